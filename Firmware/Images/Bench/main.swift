// The benchmark image (`make bench-firmware`, `make bench-handshake`): runs each crypto
// primitive, then each step of an EDHOC Initiator's handshake (HandshakeBench.swift), between
// two timer readings and with the stack freshly painted, and prints one line per measurement:
//   bench <name> ticks=<timer ticks for all reps> reps=<n> stack=<peak bytes above baseline>
// and figures that are not timed as `bench value <name>=<n> …`.
// The host (`rampart bench firmware|handshake`) runs it under
// `qemu -icount shift=7,align=off,sleep=off`, where one instruction takes 128 ns of virtual
// time, and turns ticks into instructions.
#if RAMPART_FIRMWARE
import BoardRuntime
import RampartCrypto
import RampartPlatform
import BoardSelection

/// Fixed inputs: a benchmark measures time, not randomness, and must repeat exactly.
func pattern32(_ seed: UInt8) -> Bytes32 {
    var out = Bytes32.zero
    for i in 0..<32 { out[i] = seed &+ UInt8(truncatingIfNeeded: i &* 7) }
    return out
}

struct Bench {
    var board: ThisBoard
    var baselineStack: UInt32 = 0
    var stackPeakMax: UInt32 = 0

    var startTicks: UInt64 = 0

    mutating func measure(_ name: StaticString, reps: UInt32, _ body: () -> Void) {
        begin()
        var i: UInt32 = 0
        while i < reps {
            body()
            i += 1
        }
        let stack = end(name, reps: reps, baseline: baselineStack)
        if stack > stackPeakMax && reps > 0 { stackPeakMax = stack }
    }

    /// The stack in use at the caller: painting, then the lowest word this function's own
    /// frame touched. (Painting and scanning from the caller itself would miss the parts of
    /// the caller's frame it has not written yet.)
    @inline(never)
    static func stackDepth() -> UInt32 {
        rampart_stack_paint()
        return rampart_stack_peak_bytes()
    }

    /// Paints the stack and starts the timer: what runs until `end` is measured.
    @inline(__always)
    mutating func begin() {
        rampart_stack_paint()
        startTicks = board.clock.nowTicks()
    }

    /// Stops the timer and prints the line of `name`; returns the peak stack above `baseline`.
    /// Inlined, so its own frame is not part of the figure.
    @discardableResult @inline(__always)
    mutating func end(_ name: StaticString, reps: UInt32, baseline: UInt32) -> UInt32 {
        let ticks = board.clock.nowTicks() &- startTicks
        let peak = rampart_stack_peak_bytes()
        let stack = peak > baseline ? peak - baseline : 0
        board.serial.write("bench ")
        board.serial.write(name)
        board.serial.write(" ticks=")
        board.serial.write(decimal: ticks)
        board.serial.write(" reps=")
        board.serial.write(decimal: UInt64(reps))
        board.serial.write(" stack=")
        board.serial.write(decimal: UInt64(stack))
        board.serial.write("\n")
        return stack
    }

    /// Prints `bench value <name>=<value>`: a figure that is not timed.
    mutating func value(_ name: StaticString, _ value: Int) {
        board.serial.write("bench value ")
        board.serial.write(name)
        board.serial.write("=")
        board.serial.write(decimal: value)
        board.serial.write("\n")
    }
}

@inline(never)
func blackHole<T>(_ value: borrowing T) {}

func benchMain() -> Never {
    var bench = Bench(board: ThisBoard.start())
    let (numerator, denominator) = ThisBoard.Clock.nanosecondsPerTick
    bench.board.serial.write("bench board=")
    bench.board.serial.write(ThisBoard.name)
    bench.board.serial.write(" ns_per_tick=")
    bench.board.serial.write(decimal: UInt64(numerator))
    bench.board.serial.write("/")
    bench.board.serial.write(decimal: UInt64(denominator))
    bench.board.serial.write("\n")

    benchCrypto(&bench)
    benchHandshakes(&bench)

    bench.board.serial.write("bench stack_peak=")
    bench.board.serial.write(decimal: UInt64(bench.stackPeakMax))
    bench.board.serial.write(" static_ram=")
    bench.board.serial.write(decimal: UInt64(rampart_static_ram_bytes()))
    bench.board.serial.write("\nbench done\n")
    bench.board.exit(status: 0)
}

/// The crypto primitives. Not inlined into `benchMain`, so their buffers are not on the stack
/// under the handshake benchmark (the micro:bit has 16 KB of RAM).
@inline(never)
func benchCrypto(_ bench: inout Bench) {
    // Stack used by the measuring harness itself, subtracted from every figure.
    bench.baselineStack = Bench.stackDepth()
    bench.measure("empty", reps: 1) {}

    let scalar = pattern32(0x11)
    let peerScalar = pattern32(0x5C)
    let peerX25519 = X25519.publicKey(privateKey: peerScalar)
    bench.measure("x25519", reps: 1) {
        blackHole(X25519.scalarMult(scalar: scalar, uCoordinate: peerX25519))
    }

    bench.measure("p256_keygen", reps: 1) {
        blackHole(try? P256.publicKey(privateKey: scalar))
    }
    if let peerP256 = try? P256.publicKey(privateKey: peerScalar) {
        bench.measure("p256_ecdh", reps: 1) {
            blackHole(try? P256.ecdh(privateKey: scalar, publicKey: peerP256))
        }
        bench.measure("p256_ecdh_x_only", reps: 1) {
            blackHole(try? P256.ecdh(privateKey: scalar, publicKeyX: peerP256.x))
        }
    }

    var block = InlineArray<64, UInt8>(repeating: 0x61)
    bench.measure("sha256_block", reps: 16) {
        var hash = SHA256()
        hash.update(block.span)
        blackHole(hash)
    }
    block[0] = 0x62

    let aes = AES128(key: Bytes16(repeating: 0x2B))
    var aesBlock = Bytes16(repeating: 0x32)
    bench.measure("aes128_block", reps: 16) {
        aes.encrypt(block: &aesBlock)
    }

    if let ccm = try? CCM(cipher: aes, tagLength: 8) {
        let nonce = InlineArray<13, UInt8>(repeating: 0x07)
        let message = InlineArray<64, UInt8>(repeating: 0x55)
        var sealed = InlineArray<72, UInt8>(repeating: 0)
        let aad = InlineArray<0, UInt8>(repeating: 0)
        bench.measure("ccm64", reps: 4) {
            var output = sealed.mutableSpan
            try? ccm.seal(nonce: nonce.span, aad: aad.span, plaintext: message.span, into: &output)
        }
        blackHole(sealed)
    }
}

benchMain()
#endif
