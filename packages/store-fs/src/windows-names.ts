// Windows' naming rules, from Microsoft's "Naming Files, Paths, and Namespaces" (Win32 file I/O):
// the characters < > : " / \ | ? * and 0–31 are reserved; CON, PRN, AUX, NUL, COM0–COM9, COM¹–COM³,
// LPT0–LPT9 and LPT¹–LPT³ name devices "also … followed immediately by an extension" (NUL.txt and
// NUL.tar.gz are both NUL); and a name must not end with a space or a period (Windows drops them,
// so `a.` and `a` are one file). `/`, `\` and control characters are refused for every platform
// already (core's `safeRelativePath`); the rest only bites where Windows resolves the path.

const RESERVED_CHARACTERS = /[<>:"|?*]/
const DEVICE_NAMES = /^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$/i

/**
 * Why Windows cannot hold a file or directory named `name`, or undefined when it can. Writing a
 * key named `aux.txt` on Windows would open the AUX device, not create a file; `a:b` would open an
 * alternate data stream of `a`.
 *
 * @example
 * windowsNameProblem('NUL.tar.gz') // 'NUL is a device name on Windows, with any extension'
 * windowsNameProblem('report.txt') // undefined
 */
export function windowsNameProblem(name: string): string | undefined {
  const reserved = RESERVED_CHARACTERS.exec(name)
  if (reserved) return `${JSON.stringify(reserved[0])} is reserved in Windows file names`
  if (name.endsWith('.') || name.endsWith(' '))
    return 'Windows drops a trailing period or space, so the name would change'
  // The device is the part before the first period, whatever follows (spaces before it included).
  const stem = (name.split('.', 1)[0] as string).trimEnd()
  if (DEVICE_NAMES.test(stem))
    return `${stem.toUpperCase()} is a device name on Windows, with any extension`
  return undefined
}
