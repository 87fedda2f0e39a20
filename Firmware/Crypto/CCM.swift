/// Counter with CBC-MAC (RFC 3610; NIST SP 800-38C) over any 128-bit block cipher.
///
/// M (the tag length) is fixed per value; the nonce length N, and with it the length
/// field size L = 15 − N, is taken from each call (RFC 3610 §2).
public struct CCM<Cipher: BlockCipher128> {
    /// RFC 3610 §2: L is 2…8 octets, so the nonce is 13…7.
    public static var minNonceByteCount: Int { 7 }
    public static var maxNonceByteCount: Int { 13 }
    /// RFC 3610 §2: M is 4, 6, 8, 10, 12, 14 or 16 octets.
    public static var minTagByteCount: Int { 4 }
    public static var maxTagByteCount: Int { 16 }
    /// RFC 3610 §2.2: additional data of this length or more uses the 0xFF 0xFE form.
    static var shortAADLengthLimit: Int { 0xFF00 }
    static var blockByteCount: Int { 16 }

    private var cipher: Cipher
    /// M, the size of the authentication field in octets.
    public let tagLength: Int

    /// Throws `.invalidLength` when `tagLength` is not an allowed M.
    public init(cipher: Cipher, tagLength: Int) throws(CryptoError) {
        guard tagLength >= Self.minTagByteCount, tagLength <= Self.maxTagByteCount, tagLength & 1 == 0 else {
            throw .invalidLength
        }
        self.cipher = cipher
        self.tagLength = tagLength
    }

    /// Authenticates `aad` and `plaintext` and encrypts `plaintext` (RFC 3610 §2.2, §2.3).
    /// `output` receives the ciphertext followed by the tag: `plaintext.count + tagLength` bytes.
    public func seal(nonce: Span<UInt8>, aad: Span<UInt8>, plaintext: Span<UInt8>,
                     into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        let count = plaintext.count
        guard output.count == count + tagLength else { throw .invalidLength }
        var mac = try authenticationStart(nonce: nonce, aad: aad, messageCount: count)
        var counter = counterBlock(nonce: nonce)
        var keystream = Bytes16.zero
        var offset = 0
        var index = 0
        while offset < count {
            index += 1
            nextKeystream(&keystream, counter: &counter, index: index, nonceCount: nonce.count)
            let end = min(offset + Self.blockByteCount, count)
            for i in offset..<end {
                let p = plaintext[i]
                mac[i - offset] ^= p
                output[i] = p ^ keystream[i - offset]
            }
            cipher.encrypt(block: &mac)
            offset = end
        }
        nextKeystream(&keystream, counter: &counter, index: 0, nonceCount: nonce.count)
        for i in 0..<tagLength {
            output[count + i] = mac[i] ^ keystream[i]
        }
        mac.wipe()
        keystream.wipe()
    }

    /// Decrypts and verifies (RFC 3610 §2.5). `output` receives the plaintext,
    /// `ciphertextAndTag.count - tagLength` bytes. The tag is compared in constant time; on a
    /// mismatch `output` is zeroed and `.authenticationFailed` thrown.
    public func open(nonce: Span<UInt8>, aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>,
                     into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        guard ciphertextAndTag.count >= tagLength else { throw .invalidLength }
        let count = ciphertextAndTag.count - tagLength
        guard output.count == count else { throw .invalidLength }
        var mac = try authenticationStart(nonce: nonce, aad: aad, messageCount: count)
        var counter = counterBlock(nonce: nonce)
        var keystream = Bytes16.zero
        var offset = 0
        var index = 0
        while offset < count {
            index += 1
            nextKeystream(&keystream, counter: &counter, index: index, nonceCount: nonce.count)
            let end = min(offset + Self.blockByteCount, count)
            for i in offset..<end {
                let p = ciphertextAndTag[i] ^ keystream[i - offset]
                mac[i - offset] ^= p
                output[i] = p
            }
            cipher.encrypt(block: &mac)
            offset = end
        }
        nextKeystream(&keystream, counter: &counter, index: 0, nonceCount: nonce.count)
        for i in 0..<tagLength {
            mac[i] ^= keystream[i]
        }
        let valid = constantTimeEqual(mac.span.extracting(0..<tagLength),
                                      ciphertextAndTag.extracting(count..<(count + tagLength)))
        mac.wipe()
        keystream.wipe()
        guard valid else {
            RampartCrypto.wipe(&output)
            throw .authenticationFailed
        }
    }

    /// Checks the lengths and returns the CBC-MAC state after B_0 and the additional
    /// authentication blocks (RFC 3610 §2.2), ready for the message blocks.
    /// Inlined, like `nextKeystream`: out of line, each copied `cipher` (for AES-128, 352 B of
    /// round keys) into a frame of its own, on top of the caller's copy.
    @inline(__always)
    private func authenticationStart(nonce: Span<UInt8>, aad: Span<UInt8>, messageCount: Int) throws(CryptoError) -> Bytes16 {
        guard nonce.count >= Self.minNonceByteCount, nonce.count <= Self.maxNonceByteCount else {
            throw .invalidLength
        }
        let lengthFieldCount = Self.blockByteCount - 1 - nonce.count
        // l(m) < 2^(8L); a smart shift past the word size gives 0.
        guard messageCount >> (8 * lengthFieldCount) == 0 else { throw .limitExceeded }

        // B_0: Flags = 64·Adata + 8·M' + L', then the nonce, then l(m) (§2.2).
        var block = Bytes16.zero
        let adata = aad.count > 0 ? 0x40 : 0
        block[0] = UInt8(truncatingIfNeeded: adata | ((tagLength - 2) >> 1) << 3 | (lengthFieldCount - 1))
        for i in 0..<nonce.count { block[1 + i] = nonce[i] }
        storeBigEndian(messageCount, byteCount: lengthFieldCount, into: &block, end: Self.blockByteCount)
        cipher.encrypt(block: &block)

        guard aad.count > 0 else { return block }
        // l(a) encoded as in §2.2, then a, padded with zeros to a block boundary.
        let a = aad.count
        var used: Int
        if a < Self.shortAADLengthLimit {
            storeBigEndian(a, byteCount: 2, into: &block, xorAt: 0)
            used = 2
        } else if a >> 32 == 0 {
            block[0] ^= 0xFF; block[1] ^= 0xFE
            storeBigEndian(a, byteCount: 4, into: &block, xorAt: 2)
            used = 6
        } else {
            block[0] ^= 0xFF; block[1] ^= 0xFF
            storeBigEndian(a, byteCount: 8, into: &block, xorAt: 2)
            used = 10
        }
        for i in 0..<a {
            block[used] ^= aad[i]
            used += 1
            if used == Self.blockByteCount {
                cipher.encrypt(block: &block)
                used = 0
            }
        }
        if used != 0 { cipher.encrypt(block: &block) }
        return block
    }

    /// A_0: Flags = L', the nonce, and a zero counter (RFC 3610 §2.3).
    private func counterBlock(nonce: Span<UInt8>) -> Bytes16 {
        var block = Bytes16.zero
        block[0] = UInt8(truncatingIfNeeded: Self.blockByteCount - 2 - nonce.count)
        for i in 0..<nonce.count { block[1 + i] = nonce[i] }
        return block
    }

    /// S_i = E(K, A_i) (RFC 3610 §2.3).
    @inline(__always)
    private func nextKeystream(_ keystream: inout Bytes16, counter: inout Bytes16, index: Int, nonceCount: Int) {
        storeBigEndian(index, byteCount: Self.blockByteCount - 1 - nonceCount, into: &counter, end: Self.blockByteCount)
        keystream = counter
        cipher.encrypt(block: &keystream)
    }
}

extension CCM where Cipher == AES128 {
    /// Zeroes this value's copy of the AES round keys.
    public mutating func wipe() {
        cipher.wipe()
    }
}

/// Writes the low `byteCount` octets of `value`, most significant first, ending before `end`.
@inline(__always)
private func storeBigEndian(_ value: Int, byteCount: Int, into block: inout Bytes16, end: Int) {
    for i in 0..<byteCount {
        block[end - 1 - i] = UInt8(truncatingIfNeeded: value >> (8 * i))
    }
}

/// XORs the low `byteCount` octets of `value`, most significant first, into the block at `start`.
@inline(__always)
private func storeBigEndian(_ value: Int, byteCount: Int, into block: inout Bytes16, xorAt start: Int) {
    for i in 0..<byteCount {
        block[start + byteCount - 1 - i] ^= UInt8(truncatingIfNeeded: value >> (8 * i))
    }
}
