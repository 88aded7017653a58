;; CRC-64 (reflected, init = xorout = ~0) by slicing-by-16 over native i64.
;;
;; One instance serves one polynomial: `build` fills sixteen 256-entry i64 tables at address 0,
;; so every lookup is a bare `i64.load offset=2048*k` with no per-call table base to add.
;; Input is copied by the caller into the window that starts at 32768 (= 16 tables * 2048 bytes);
;; the memory's size bounds that window, and the caller reads both from the exports.
;;
;; Compiled to crc64.wasm.ts by scripts/build-crc64-wasm.mjs; do not edit that file by hand.
(module
  (memory (export "memory") 2)

  ;; First byte of the input window, after the tables.
  (global (export "input") i32 (i32.const 32768))

  ;; Table k maps byte n to the CRC register after n and then k zero bytes.
  (func (export "build") (param $poly i64)
    (local $n i32)
    (local $bit i32)
    (local $c i64)
    (local $at i32)
    ;; Table 0: the classic bytewise table, one reflected shift per bit.
    (loop $byte
      (local.set $c (i64.extend_i32_u (local.get $n)))
      (local.set $bit (i32.const 8))
      (loop $shift
        (local.set $c
          (i64.xor
            (i64.shr_u (local.get $c) (i64.const 1))
            (i64.and (local.get $poly) (i64.sub (i64.const 0) (i64.and (local.get $c) (i64.const 1))))))
        (local.tee $bit (i32.sub (local.get $bit) (i32.const 1)))
        (br_if $shift))
      (i64.store (i32.shl (local.get $n) (i32.const 3)) (local.get $c))
      (local.tee $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $byte (i32.lt_u (i32.const 256))))
    ;; Tables 1..15: one more zero byte through table 0.
    (local.set $at (i32.const 2048))
    (loop $entry
      (local.set $c (i64.load (i32.sub (local.get $at) (i32.const 2048))))
      (i64.store (local.get $at)
        (i64.xor
          (i64.shr_u (local.get $c) (i64.const 8))
          (i64.load (i32.shl (i32.and (i32.wrap_i64 (local.get $c)) (i32.const 255)) (i32.const 3)))))
      (local.tee $at (i32.add (local.get $at) (i32.const 8)))
      (br_if $entry (i32.lt_u (i32.const 32768)))))

  ;; CRC of `len` bytes at `at`, continuing from `crc` (0 = empty input).
  (func (export "update") (param $crc i64) (param $at i32) (param $len i32) (result i64)
    (local $end i32)
    (local $last i32)
    (local $lo i32)
    (local $hi i32)
    (local $lo2 i32)
    (local $hi2 i32)
    (local $d i64)
    (local.set $crc (i64.xor (local.get $crc) (i64.const -1)))
    (local.set $end (i32.add (local.get $at) (local.get $len)))
    (local.set $last (i32.sub (local.get $end) (i32.const 16)))
    ;; 16 bytes per round: the register is xored into the first eight, and each of the sixteen
    ;; bytes goes through the table for its distance from the end of the block. Byte indices are
    ;; taken from i32 halves pre-scaled by 8 (shift then mask 0x7f8) to save a shift per lookup.
    (if (i32.le_s (local.get $at) (local.get $last))
      (then
        (loop $block
          (local.set $d (i64.xor (local.get $crc) (i64.load (local.get $at))))
          (local.set $lo (i32.wrap_i64 (local.get $d)))
          (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $d) (i64.const 32))))
          (local.set $d (i64.load offset=8 (local.get $at)))
          (local.set $lo2 (i32.wrap_i64 (local.get $d)))
          (local.set $hi2 (i32.wrap_i64 (i64.shr_u (local.get $d) (i64.const 32))))
          (local.set $crc
            (i64.xor
              (i64.xor
                (i64.xor
                  (i64.xor
                    (i64.load offset=30720 (i32.and (i32.shl (local.get $lo) (i32.const 3)) (i32.const 0x7f8)))
                    (i64.load offset=28672 (i32.and (i32.shr_u (local.get $lo) (i32.const 5)) (i32.const 0x7f8))))
                  (i64.xor
                    (i64.load offset=26624 (i32.and (i32.shr_u (local.get $lo) (i32.const 13)) (i32.const 0x7f8)))
                    (i64.load offset=24576 (i32.and (i32.shr_u (local.get $lo) (i32.const 21)) (i32.const 0x7f8)))))
                (i64.xor
                  (i64.xor
                    (i64.load offset=22528 (i32.and (i32.shl (local.get $hi) (i32.const 3)) (i32.const 0x7f8)))
                    (i64.load offset=20480 (i32.and (i32.shr_u (local.get $hi) (i32.const 5)) (i32.const 0x7f8))))
                  (i64.xor
                    (i64.load offset=18432 (i32.and (i32.shr_u (local.get $hi) (i32.const 13)) (i32.const 0x7f8)))
                    (i64.load offset=16384 (i32.and (i32.shr_u (local.get $hi) (i32.const 21)) (i32.const 0x7f8))))))
              (i64.xor
                (i64.xor
                  (i64.xor
                    (i64.load offset=14336 (i32.and (i32.shl (local.get $lo2) (i32.const 3)) (i32.const 0x7f8)))
                    (i64.load offset=12288 (i32.and (i32.shr_u (local.get $lo2) (i32.const 5)) (i32.const 0x7f8))))
                  (i64.xor
                    (i64.load offset=10240 (i32.and (i32.shr_u (local.get $lo2) (i32.const 13)) (i32.const 0x7f8)))
                    (i64.load offset=8192 (i32.and (i32.shr_u (local.get $lo2) (i32.const 21)) (i32.const 0x7f8)))))
                (i64.xor
                  (i64.xor
                    (i64.load offset=6144 (i32.and (i32.shl (local.get $hi2) (i32.const 3)) (i32.const 0x7f8)))
                    (i64.load offset=4096 (i32.and (i32.shr_u (local.get $hi2) (i32.const 5)) (i32.const 0x7f8))))
                  (i64.xor
                    (i64.load offset=2048 (i32.and (i32.shr_u (local.get $hi2) (i32.const 13)) (i32.const 0x7f8)))
                    (i64.load (i32.and (i32.shr_u (local.get $hi2) (i32.const 21)) (i32.const 0x7f8))))))))
          (local.tee $at (i32.add (local.get $at) (i32.const 16)))
          (br_if $block (i32.le_s (local.get $last))))))
    ;; Up to 15 trailing bytes, one at a time.
    (if (i32.lt_u (local.get $at) (local.get $end))
      (then
        (loop $byte
          (local.set $crc
            (i64.xor
              (i64.shr_u (local.get $crc) (i64.const 8))
              (i64.load
                (i32.shl
                  (i32.and
                    (i32.xor (i32.wrap_i64 (local.get $crc)) (i32.load8_u (local.get $at)))
                    (i32.const 255))
                  (i32.const 3)))))
          (local.tee $at (i32.add (local.get $at) (i32.const 1)))
          (br_if $byte (i32.lt_u (local.get $end))))))
    (i64.xor (local.get $crc) (i64.const -1))))
