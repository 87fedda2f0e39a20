// The crypto benchmark image (`make bench-firmware`): runs each primitive between two
// timer readings and with the stack freshly painted, and prints one line per primitive:
//   bench <name> ticks=<timer ticks for all reps> reps=<n> stack=<peak bytes above baseline>
// The host (`rampart bench firmware`) runs it under `qemu -icount shift=7,align=off,sleep=off`,
// where one instruction takes 128 ns of virtual time, and turns ticks into instructions.
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

    mutating func measure(_ name: StaticString, reps: UInt32, _ body: () -> Void) {
        rampart_stack_paint()
        let start = board.clock.nowTicks()
        var i: UInt32 = 0
        while i < reps {
            body()
            i += 1
        }
        let ticks = board.clock.nowTicks() &- start
        let peak = rampart_stack_peak_bytes()
        let stack = peak > baselineStack ? peak - baselineStack : 0
        if stack > stackPeakMax && reps > 0 { stackPeakMax = stack }
        board.serial.write("bench ")
        board.serial.write(name)
        board.serial.write(" ticks=")
        board.serial.write(decimal: ticks)
        board.serial.write(" reps=")
        board.serial.write(decimal: UInt64(reps))
        board.serial.write(" stack=")
        board.serial.write(decimal: UInt64(stack))
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

    // Stack used by the measuring harness itself, subtracted from every figure.
    rampart_stack_paint()
    bench.baselineStack = rampart_stack_peak_bytes()
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

    bench.board.serial.write("bench stack_peak=")
    bench.board.serial.write(decimal: UInt64(bench.stackPeakMax))
    bench.board.serial.write(" static_ram=")
    bench.board.serial.write(decimal: UInt64(rampart_static_ram_bytes()))
    bench.board.serial.write("\nbench done\n")
    bench.board.exit(status: 0)
}

benchMain()
#endif
