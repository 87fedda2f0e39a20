/// AES-128 encryption (FIPS 197), the forward direction only, in constant time.
///
/// The state and the round keys are bitsliced (`AESPlanes`): SubBytes is a Boolean circuit,
/// so neither encryption nor key expansion reads a table at a secret index or branches on
/// a secret. The round keys are expanded once, in `init`, and kept in plane form.
public struct AES128: BlockCipher128 {
    /// Nr for a 128-bit key (§5, Figure 4).
    public static var roundCount: Int { 10 }

    /// Round keys 0…Nr in plane form (§5.2, w[4i…4i+3] for round i), key i skewed by SR^-i
    /// like the state it meets (see `AESPlanes`), and keys 1…Nr holding the S-box's 0x63.
    private var roundKeys: InlineArray<11, AESPlanes>

    /// KeyExpansion (§5.2) with Nk = 4.
    @export(interface)
    public init(key: Bytes16) {
        var w0 = AESPlanes.littleEndianWord(key, 0), w1 = AESPlanes.littleEndianWord(key, 4)
        var w2 = AESPlanes.littleEndianWord(key, 8), w3 = AESPlanes.littleEndianWord(key, 12)
        var rcon: UInt32 = 0x01
        roundKeys = InlineArray(repeating: .zero)
        roundKeys[0] = AESPlanes(columns: w0, w1, w2, w3)
        for round in 1...Self.roundCount {
            // RotWord is a rotation by one byte, the first byte being the low one here.
            w0 ^= Self.subWord(AESPlanes.rotateRight(w3, 8)) ^ rcon
            w1 ^= w0
            w2 ^= w1
            w3 ^= w2
            var k = Self.skewed(w0, w1, w2, w3, by: round)
            k.addRoundKey(AESPlanes.sBoxConstant)
            roundKeys[round] = k
            // Rcon[i+1] = x · Rcon[i] in GF(2^8) (§5.2); public, so the branch-free form is only tidiness.
            rcon = ((rcon << 1) & 0xFF) ^ (0x1B & (0 &- (rcon >> 7)))
        }
        withUnsafeMutableBytes(of: &w0) { secureZero($0) }
        withUnsafeMutableBytes(of: &w1) { secureZero($0) }
        withUnsafeMutableBytes(of: &w2) { secureZero($0) }
        withUnsafeMutableBytes(of: &w3) { secureZero($0) }
    }

    /// Cipher (§5.1, Figure 5) on one block, in place. ShiftRows is folded into the skew
    /// of the state (`AESPlanes`); after round Nr = 10 it is SR^-2, undone on output.
    @export(interface)
    public func encrypt(block: inout Bytes16) {
        // Written out round by round, each round key copied into the one slot `key` that
        // `round` reads by address. In a loop the compiler copies all the round keys to the
        // stack first (a variable subscript or a span of a stored InlineArray copies it;
        // constant ones are hoisted and spilled).
        var state = AESPlanes(block: block)
        state.addRoundKey(roundKeys[0])
        var key = roundKeys[1]
        state.round(1, key: &key)
        key = roundKeys[2]
        state.round(2, key: &key)
        key = roundKeys[3]
        state.round(3, key: &key)
        key = roundKeys[4]
        state.round(4, key: &key)
        key = roundKeys[5]
        state.round(5, key: &key)
        key = roundKeys[6]
        state.round(6, key: &key)
        key = roundKeys[7]
        state.round(7, key: &key)
        key = roundKeys[8]
        state.round(8, key: &key)
        key = roundKeys[9]
        state.round(9, key: &key)
        state.subBytesWithoutConstant()
        state.addRoundKey(roundKeys[10])
        state.storeShiftedTwice(into: &block)
    }

    /// Zeroes the round keys; the value then no longer encrypts under the key.
    @export(interface)
    public mutating func wipe() {
        var planes = roundKeys.mutableSpan
        planes.withUnsafeMutableBytes { secureZero($0) }
    }

    /// SubWord (§5.2): the S-box on each byte of a word, through the same circuit as SubBytes.
    /// Plane K keeps bit K of byte n at bit 8n, so the four S-boxes run side by side.
    @inline(__always)
    private static func subWord(_ w: UInt32) -> UInt32 {
        let lanes: UInt32 = 0x0101_0101
        var p = AESPlanes(b0: w & lanes, b1: (w >> 1) & lanes, b2: (w >> 2) & lanes, b3: (w >> 3) & lanes,
                          b4: (w >> 4) & lanes, b5: (w >> 5) & lanes, b6: (w >> 6) & lanes, b7: (w >> 7) & lanes)
        p.subBytesWithoutConstant()
        let sum = (p.b0 & lanes) | (p.b1 & lanes) << 1 | (p.b2 & lanes) << 2 | (p.b3 & lanes) << 3
            | (p.b4 & lanes) << 4 | (p.b5 & lanes) << 5 | (p.b6 & lanes) << 6 | (p.b7 & lanes) << 7
        return sum ^ 0x6363_6363
    }

    /// The round key with columns w0…w3 skewed by SR^-round: s[r, c] = w[(c − round·r) mod 4]
    /// byte r. Row r takes byte r of each word; the indices depend on the public round only.
    private static func skewed(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32, by round: Int) -> AESPlanes {
        let words: InlineArray<4, UInt32> = [w0, w1, w2, w3]
        var skewed: InlineArray<4, UInt32> = [0, 0, 0, 0]
        for c in 0..<4 {
            for r in 0..<4 {
                let byte: UInt32 = 0xFF << (8 * UInt32(r))
                skewed[c] |= words[(c - round * r) & 3] & byte
            }
        }
        return AESPlanes(columns: skewed[0], skewed[1], skewed[2], skewed[3])
    }
}
