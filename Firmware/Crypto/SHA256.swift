/// SHA-256 (FIPS 180-4 §6.2), streaming.
///
/// Constant time by construction: the message schedule and the rounds use only additions,
/// rotations and bitwise logic on 32-bit words, and no index depends on the data.
public struct SHA256 {
    /// Message block size in bytes (FIPS 180-4 §1, Figure 1: 512 bits).
    public static let blockByteCount = 64
    /// Message digest size in bytes (FIPS 180-4 §1, Figure 1: 256 bits).
    public static let digestByteCount = 32

    /// Offset in the last block where the 64-bit message length goes (FIPS 180-4 §5.1.1).
    static let lengthOffset = 56

    /// H(i), the intermediate hash value (FIPS 180-4 §6.2.2 step 4).
    var hash: InlineArray<8, UInt32>
    /// Bytes of the current, incomplete block.
    var block: InlineArray<64, UInt8>
    /// How many bytes of `block` are filled, 0..<64.
    var blockFill: Int
    /// Message length so far in bytes; FIPS 180-4 §5.1.1 bounds it below 2^64 bits.
    var messageByteCount: UInt64

    @export(interface)
    public init() {
        hash = sha256InitialHash
        block = InlineArray(repeating: 0)
        blockFill = 0
        messageByteCount = 0
    }

    @export(interface)
    public mutating func update(_ data: Span<UInt8>) {
        var offset = 0
        let count = data.count
        messageByteCount &+= UInt64(truncatingIfNeeded: count)
        if blockFill > 0 {
            while blockFill < SHA256.blockByteCount && offset < count {
                block[blockFill] = data[offset]
                blockFill &+= 1
                offset &+= 1
            }
            if blockFill < SHA256.blockByteCount { return }
            compressBufferedBlock()
        }
        if count &- offset >= SHA256.blockByteCount {
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress.unsafelyUnwrapped
                while count &- offset >= SHA256.blockByteCount {
                    SHA256.compress(&hash, base + offset)
                    offset &+= SHA256.blockByteCount
                }
            }
        }
        while offset < count {
            block[blockFill] = data[offset]
            blockFill &+= 1
            offset &+= 1
        }
    }

    /// Pads the message (FIPS 180-4 §5.1.1), returns the digest, and wipes this state.
    @export(interface)
    public mutating func finalize() -> Bytes32 {
        let bitCount = messageByteCount &<< 3
        block[blockFill] = 0x80
        var i = blockFill &+ 1
        if i > SHA256.lengthOffset {
            while i < SHA256.blockByteCount { block[i] = 0; i &+= 1 }
            compressBufferedBlock()
            i = 0
        }
        while i < SHA256.lengthOffset { block[i] = 0; i &+= 1 }
        SHA256.storeBigEndian(UInt32(truncatingIfNeeded: bitCount &>> 32), into: &block, at: SHA256.lengthOffset)
        SHA256.storeBigEndian(UInt32(truncatingIfNeeded: bitCount), into: &block, at: SHA256.lengthOffset &+ 4)
        compressBufferedBlock()

        var digest = Bytes32.zero
        for j in 0..<8 {
            SHA256.storeBigEndian(hash[j], into: &digest, at: 4 &* j)
        }
        wipe()
        return digest
    }

    @export(interface)
    public static func hash(_ data: Span<UInt8>) -> Bytes32 {
        var context = SHA256()
        context.update(data)
        return context.finalize()
    }

    /// Zeroes the hash state and the buffered message bytes.
    @export(interface)
    public mutating func wipe() {
        var words = hash.mutableSpan
        words.withUnsafeMutableBytes { secureZero($0) }
        block.wipe()
        blockFill = 0
        messageByteCount = 0
    }

    mutating func compressBufferedBlock() {
        let bytes = block.span
        bytes.withUnsafeBytes { raw in
            SHA256.compress(&hash, raw.baseAddress.unsafelyUnwrapped)
        }
        blockFill = 0
    }
}

/// H(0) (FIPS 180-4 §5.3.3).
let sha256InitialHash: InlineArray<8, UInt32> = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
    0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
]

/// K, the 64 round constants (FIPS 180-4 §4.2.2).
let sha256K: InlineArray<64, UInt32> = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]

extension SHA256 {
    @inline(__always)
    static func storeBigEndian<let n: Int>(_ word: UInt32, into bytes: inout InlineArray<n, UInt8>, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: word &>> 24)
        bytes[offset &+ 1] = UInt8(truncatingIfNeeded: word &>> 16)
        bytes[offset &+ 2] = UInt8(truncatingIfNeeded: word &>> 8)
        bytes[offset &+ 3] = UInt8(truncatingIfNeeded: word)
    }

    @inline(__always)
    static func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// Σ0, Σ1, σ0, σ1 (FIPS 180-4 §4.1.2, equations 4.4–4.7).
    @inline(__always)
    static func bigSigma0(_ x: UInt32) -> UInt32 { rotateRight(x, 2) ^ rotateRight(x, 13) ^ rotateRight(x, 22) }
    @inline(__always)
    static func bigSigma1(_ x: UInt32) -> UInt32 { rotateRight(x, 6) ^ rotateRight(x, 11) ^ rotateRight(x, 25) }
    @inline(__always)
    static func smallSigma0(_ x: UInt32) -> UInt32 { rotateRight(x, 7) ^ rotateRight(x, 18) ^ (x &>> 3) }
    @inline(__always)
    static func smallSigma1(_ x: UInt32) -> UInt32 { rotateRight(x, 17) ^ rotateRight(x, 19) ^ (x &>> 10) }

    /// One round of FIPS 180-4 §6.2.2 step 3. The caller rotates the roles of the eight working
    /// variables instead of moving them: this round's new `e` lands in `d`, its new `a` in `h`.
    @inline(__always)
    static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                      _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let ch = (e & f) ^ (~e & g)
        let maj = (a & b) ^ (a & c) ^ (b & c)
        let t1 = h &+ bigSigma1(e) &+ ch &+ kw
        d &+= t1
        h = t1 &+ bigSigma0(a) &+ maj
    }

    /// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] (FIPS 180-4 §6.2.2 step 1), on the
    /// rolling window where `w[i]` holds W[t] for the t ≡ i (mod 16) in use.
    @inline(__always)
    static func schedule(_ w: inout InlineArray<16, UInt32>, _ i: Int) {
        w[i] = smallSigma1(w[(i &+ 14) & 15]) &+ w[(i &+ 9) & 15] &+ smallSigma0(w[(i &+ 1) & 15]) &+ w[i]
    }

    /// The SHA-256 compression function (FIPS 180-4 §6.2.2) over the 64 bytes at `block`.
    /// The message schedule W is kept as a rolling window of 16 words (W[t] overwrites W[t-16]).
    @inline(never)
    static func compress(_ hash: inout InlineArray<8, UInt32>, _ block: UnsafeRawPointer) {
        var w = InlineArray<16, UInt32>(repeating: 0)
        for t in 0..<16 {
            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* t, as: UInt32.self))
        }
        var a = hash[0], b = hash[1], c = hash[2], d = hash[3]
        var e = hash[4], f = hash[5], g = hash[6], h = hash[7]

        var base = 0
        while true {
            round(a, b, c, &d, e, f, g, &h, sha256K[base &+ 0] &+ w[0])
            round(h, a, b, &c, d, e, f, &g, sha256K[base &+ 1] &+ w[1])
            round(g, h, a, &b, c, d, e, &f, sha256K[base &+ 2] &+ w[2])
            round(f, g, h, &a, b, c, d, &e, sha256K[base &+ 3] &+ w[3])
            round(e, f, g, &h, a, b, c, &d, sha256K[base &+ 4] &+ w[4])
            round(d, e, f, &g, h, a, b, &c, sha256K[base &+ 5] &+ w[5])
            round(c, d, e, &f, g, h, a, &b, sha256K[base &+ 6] &+ w[6])
            round(b, c, d, &e, f, g, h, &a, sha256K[base &+ 7] &+ w[7])
            round(a, b, c, &d, e, f, g, &h, sha256K[base &+ 8] &+ w[8])
            round(h, a, b, &c, d, e, f, &g, sha256K[base &+ 9] &+ w[9])
            round(g, h, a, &b, c, d, e, &f, sha256K[base &+ 10] &+ w[10])
            round(f, g, h, &a, b, c, d, &e, sha256K[base &+ 11] &+ w[11])
            round(e, f, g, &h, a, b, c, &d, sha256K[base &+ 12] &+ w[12])
            round(d, e, f, &g, h, a, b, &c, sha256K[base &+ 13] &+ w[13])
            round(c, d, e, &f, g, h, a, &b, sha256K[base &+ 14] &+ w[14])
            round(b, c, d, &e, f, g, h, &a, sha256K[base &+ 15] &+ w[15])
            base &+= 16
            if base == 64 { break }
            // Unrolled so that every index into W is a constant.
            schedule(&w, 0); schedule(&w, 1); schedule(&w, 2); schedule(&w, 3)
            schedule(&w, 4); schedule(&w, 5); schedule(&w, 6); schedule(&w, 7)
            schedule(&w, 8); schedule(&w, 9); schedule(&w, 10); schedule(&w, 11)
            schedule(&w, 12); schedule(&w, 13); schedule(&w, 14); schedule(&w, 15)
        }

        hash[0] &+= a; hash[1] &+= b; hash[2] &+= c; hash[3] &+= d
        hash[4] &+= e; hash[5] &+= f; hash[6] &+= g; hash[7] &+= h
    }
}
