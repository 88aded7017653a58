import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseAwsConfig, parseAwsCredentials } from '../src/aws-config-file.ts'

// Each rule as botocore reads the file (Python's configparser: delimiters `=` and `:`, whole-line
// `#`/`;` comments, deeper-indented lines continue the setting above; then `_parse_nested` for a
// valueless setting and `shlex.split` of `[profile …]` headers).

describe('parseAwsConfig follows botocore (configparser) line by line', () => {
  it('reads key: value (colon delimiter) and key=value without spaces', () => {
    const file = parseAwsConfig(
      '[default]\nregion: eu-west-1\nendpoint_url=http://127.0.0.1:9000\noutput:json\n',
    )
    const profile = file.profiles.get('default')
    assert.equal(profile?.settings.get('region'), 'eu-west-1')
    assert.equal(profile?.settings.get('endpoint_url'), 'http://127.0.0.1:9000')
    assert.equal(profile?.settings.get('output'), 'json')
  })

  it('splits at the first = or :, so endpoint_url: http://h:9000 keeps the URL whole', () => {
    const file = parseAwsConfig('[default]\nendpoint_url: http://h:9000/a=b\n')
    assert.equal(file.profiles.get('default')?.settings.get('endpoint_url'), 'http://h:9000/a=b')
  })

  it('an indented line after a setting with a value continues that value, never a top-level key', () => {
    const file = parseAwsConfig(
      '[default]\nregion = eu-west-1\n  addressing_style = path\nendpoint_url = http://h\n',
    )
    const profile = file.profiles.get('default')
    assert.equal(profile?.settings.get('addressing_style'), undefined)
    assert.equal(profile?.settings.get('region'), 'eu-west-1\naddressing_style = path')
    assert.equal(profile?.settings.get('endpoint_url'), 'http://h')
  })

  it('a nested s3 block runs over blank and comment lines until a line as shallow as s3 =', () => {
    const file = parseAwsConfig(
      [
        '  [profile dev]',
        '  s3 =',
        '    addressing_style = path',
        '',
        '    # the local MinIO',
        '    endpoint_url = http://127.0.0.1:9000',
        '  region = eu-west-1',
      ].join('\n'),
    )
    const dev = file.profiles.get('dev')
    assert.equal(dev?.nested.get('s3')?.get('addressing_style'), 'path')
    assert.equal(dev?.nested.get('s3')?.get('endpoint_url'), 'http://127.0.0.1:9000')
    assert.equal(dev?.settings.get('addressing_style'), undefined)
    assert.equal(dev?.settings.get('endpoint_url'), undefined)
    assert.equal(dev?.settings.get('region'), 'eu-west-1')
  })

  it('a sub-setting splits at = only, as botocore _parse_nested does (a colon line is skipped)', () => {
    const file = parseAwsConfig(
      '[services local]\ns3 =\n  endpoint_url = http://h:9000\n  addressing_style: path\n',
    )
    const s3 = file.services.get('local')?.nested.get('s3')
    assert.equal(s3?.get('endpoint_url'), 'http://h:9000')
    assert.equal(s3?.has('addressing_style'), false)
    assert.equal(s3?.has('addressing_style: path'), false)
  })

  it('skips whole-line comments starting with ; or #, indented or not', () => {
    const file = parseAwsConfig(
      '; top\n[default]\n; region = wrong\n  # region = wrong too\nregion = eu-west-1\n',
    )
    assert.equal(file.profiles.get('default')?.settings.get('region'), 'eu-west-1')
  })

  it('[profile "my dev"] is the profile "my dev"; [profile a b] and [profile] name none', () => {
    const file = parseAwsConfig(
      '[profile "my dev"]\nregion = a\n[profile a b]\nregion = b\n[profile]\nregion = c\n',
    )
    assert.equal(file.profiles.get('my dev')?.settings.get('region'), 'a')
    assert.deepEqual([...file.profiles.keys()], ['my dev'])
  })

  it('a header is taken as written: [ default ] is not the default profile', () => {
    const file = parseAwsConfig('[ default ]\nregion = a\n')
    assert.equal(file.profiles.has('default'), false)
  })

  it('in config, [dev] is not a profile (only [profile dev] is); [profile default] is the default', () => {
    const file = parseAwsConfig('[dev]\nregion = a\n[profile default]\nregion = b\n')
    assert.equal(file.profiles.has('dev'), false)
    assert.equal(file.profiles.get('default')?.settings.get('region'), 'b')
  })

  it('with both [default] and [profile default], the later section is the default profile, whole', () => {
    const first = parseAwsConfig(
      '[default]\nregion = a\noutput = json\n[profile default]\nregion = b\n',
    )
    assert.equal(first.profiles.get('default')?.settings.get('region'), 'b')
    assert.equal(first.profiles.get('default')?.settings.get('output'), undefined)
    const last = parseAwsConfig('[profile default]\nregion = b\n[default]\nregion = a\n')
    assert.equal(last.profiles.get('default')?.settings.get('region'), 'a')
  })
})

describe('parseAwsCredentials follows botocore', () => {
  it('names a profile by its header as written: [dev] is dev, [profile dev] is "profile dev"', () => {
    const profiles = parseAwsCredentials(
      '[dev]\naws_access_key_id: AKIDDEV\n[profile prod]\naws_access_key_id=AKIDPROD\n',
    )
    assert.equal(profiles.get('dev')?.settings.get('aws_access_key_id'), 'AKIDDEV')
    assert.equal(profiles.has('prod'), false)
    assert.equal(profiles.get('profile prod')?.settings.get('aws_access_key_id'), 'AKIDPROD')
  })

  it('an indented line continues the key above instead of overriding a top-level key', () => {
    const profiles = parseAwsCredentials(
      '[default]\naws_secret_access_key = top\naws_access_key_id = AKID\n  aws_secret_access_key = nested\n',
    )
    assert.equal(profiles.get('default')?.settings.get('aws_secret_access_key'), 'top')
  })
})
