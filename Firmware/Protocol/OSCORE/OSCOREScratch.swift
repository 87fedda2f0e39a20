import RampartCrypto

/// The caller's scratch buffer, cut into the regions OSCORE needs: the plaintext, and its
/// sealed copy right after it (the AEAD does not work in place). A `MutableSpan` cannot
/// lend two disjoint parts of itself at once, so the cuts go through its buffer pointer,
/// each region staying inside the closure that uses it.
enum OSCOREScratch {
    /// Runs `body` with a writer over the whole scratch; returns how many bytes it wrote.
    static func write<E: Error>(_ scratch: inout MutableSpan<UInt8>,
                                _ body: (inout ByteWriter) throws(E) -> Void) throws(E) -> Int {
        try scratch.withUnsafeMutableBufferPointer { (buffer: UnsafeMutableBufferPointer<UInt8>) throws(E) -> Int in
            var writer = ByteWriter(buffer.mutableSpan)
            try body(&writer)
            return writer.count
        }
    }

    /// Encrypts `scratch[0..<p]` into `scratch[p..<2p + tag]`.
    static func seal<Crypto: CryptoProvider>(_ crypto: Crypto, key: Bytes16, nonce: OSCORENonceBytes,
                                            aad: Span<UInt8>, plaintextLength: Int,
                                            scratch: inout MutableSpan<UInt8>) throws(CryptoError) {
        let sealedEnd = 2 * plaintextLength + OSCOREAlgorithm.tagLength
        guard plaintextLength >= 0, sealedEnd <= scratch.count else { throw .invalidLength }
        try scratch.withUnsafeMutableBufferPointer { (buffer: UnsafeMutableBufferPointer<UInt8>) throws(CryptoError) in
            let plaintext = UnsafeBufferPointer(rebasing: buffer[0..<plaintextLength])
            let sealed = UnsafeMutableBufferPointer(rebasing: buffer[plaintextLength..<sealedEnd])
            var output = sealed.mutableSpan
            try crypto.aesCCMSeal(key: key, nonce: nonce.span, aad: aad, plaintext: plaintext.span,
                                  tagLength: OSCOREAlgorithm.tagLength, into: &output)
        }
    }

    /// Decrypts `ciphertext` into `scratch[0..<ciphertext.count − tag]`.
    static func open<Crypto: CryptoProvider>(_ crypto: Crypto, key: Bytes16, nonce: OSCORENonceBytes,
                                            aad: Span<UInt8>, ciphertext: Span<UInt8>,
                                            scratch: inout MutableSpan<UInt8>) throws(CryptoError) {
        let plaintextLength = ciphertext.count - OSCOREAlgorithm.tagLength
        guard plaintextLength >= 0, plaintextLength <= scratch.count else { throw .invalidLength }
        try scratch.withUnsafeMutableBufferPointer { (buffer: UnsafeMutableBufferPointer<UInt8>) throws(CryptoError) in
            let plaintext = UnsafeMutableBufferPointer(rebasing: buffer[0..<plaintextLength])
            var output = plaintext.mutableSpan
            try crypto.aesCCMOpen(key: key, nonce: nonce.span, aad: aad, ciphertextAndTag: ciphertext,
                                  tagLength: OSCOREAlgorithm.tagLength, into: &output)
        }
    }
}
