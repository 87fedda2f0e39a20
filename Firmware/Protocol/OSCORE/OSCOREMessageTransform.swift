import RampartCrypto

// The message transformations shared by protect and unprotect (RFC 8613 §4, §5.3): split
// an original message into the plaintext and the outer message, and merge them back.

extension OSCORESecurityContext {
    /// Parses the message to protect; it must not already carry an OSCORE option (§4.1.3.7).
    @_lifetime(copy bytes)
    static func parseOriginal(_ bytes: Span<UInt8>) throws(OSCOREError) -> CoAPMessage {
        let message: CoAPMessage
        do throws(CoAPError) {
            message = try CoAPMessage(parsing: bytes)
        } catch {
            throw .malformed(.invalidCoAP(error))
        }
        guard message.options.occurrences(of: .oscore) == 0 else { throw .malformed(.nestedOSCOREOption) }
        return message
    }

    /// Writes the plaintext (§5.3: Code, Class E options, payload marker and payload) at the
    /// start of `scratch`; returns its length.
    static func writePlaintext(_ original: borrowing CoAPMessage,
                               into scratch: inout MutableSpan<UInt8>) throws(OSCOREError) -> Int {
        do throws(CoAPError) {
            return try OSCOREScratch.write(&scratch) { (writer: inout ByteWriter) throws(CoAPError) in
                do throws(ProtocolBufferError) {
                    try writer.append(original.code.rawValue)
                } catch {
                    throw .outputTooSmall
                }
                var builder = CoAPMessageBuilder()
                var options = original.options.makeIterator()
                while let option = options.next() {
                    guard !option.number.isOSCOREOuter else { continue }
                    try builder.option(option.number, option.value, into: &writer)
                }
                try builder.payload(original.payload, into: &writer)
            }
        } catch {
            throw .outputTooSmall
        }
    }

    /// Writes the OSCORE message (§4): the original header with `code` as the outer Code,
    /// the Class U options with the OSCORE option among them in number order, and the
    /// ciphertext as payload.
    static func writeOuter(_ original: borrowing CoAPMessage, code: CoAPCode, optionValue: Span<UInt8>,
                           ciphertext: Span<UInt8>, into output: inout ByteWriter) throws(OSCOREError) {
        var builder = CoAPMessageBuilder()
        do throws(CoAPError) {
            try builder.header(type: original.type, code: code, messageID: original.messageID,
                               token: original.token, into: &output)
            var wroteOSCORE = false
            var options = original.options.makeIterator()
            while let option = options.next() {
                guard option.number.isOSCOREOuter else { continue }
                if !wroteOSCORE && option.number > .oscore {
                    try builder.option(.oscore, optionValue, into: &output)
                    wroteOSCORE = true
                }
                try builder.option(option.number, option.value, into: &output)
            }
            if !wroteOSCORE { try builder.option(.oscore, optionValue, into: &output) }
            try builder.payload(ciphertext, into: &output)
        } catch {
            throw .outputTooSmall
        }
    }

    /// Writes the decrypted message (§8.2 step 7, §8.4 step 6): the outer header with the
    /// inner Code, the outer Class U options (the OSCORE option removed; outer Class E
    /// options discarded, step 1) merged in order with the inner options, and the inner
    /// payload.
    static func writeDecrypted(outer: borrowing CoAPMessage, plaintext: Span<UInt8>,
                               into output: inout ByteWriter) throws(OSCOREError) {
        guard !plaintext.isEmpty else { throw .malformed(.invalidPlaintext(.truncated)) }
        let body: (optionsEnd: Int, payloadStart: Int, optionCount: Int)
        do throws(CoAPError) {
            body = try CoAPOptions.scan(plaintext, from: 1)
        } catch {
            throw .malformed(.invalidPlaintext(error))
        }
        let inner = CoAPOptions(bytes: plaintext.extracting(1..<body.optionsEnd), count: body.optionCount)
        guard inner.occurrences(of: .oscore) == 0 else { throw .malformed(.nestedOSCOREOption) }
        var builder = CoAPMessageBuilder()
        do throws(CoAPError) {
            try builder.header(type: outer.type, code: CoAPCode(rawValue: plaintext[0]),
                               messageID: outer.messageID, token: outer.token, into: &output)
            var outerOptions = outer.options.makeIterator()
            var innerOptions = inner.makeIterator()
            var pending = outerOptions.nextClassU()
            while let option = innerOptions.next() {
                while let kept = pending, kept.number < option.number {
                    try builder.option(kept.number, kept.value, into: &output)
                    pending = outerOptions.nextClassU()
                }
                try builder.option(option.number, option.value, into: &output)
            }
            while let kept = pending {
                try builder.option(kept.number, kept.value, into: &output)
                pending = outerOptions.nextClassU()
            }
            try builder.payload(plaintext.extracting(body.payloadStart..<plaintext.count), into: &output)
        } catch {
            throw .outputTooSmall
        }
    }
}

extension CoAPOptionIterator {
    /// The next outer option a receiver keeps (§8.2 step 1): Class U, not OSCORE.
    @_lifetime(copy self)
    mutating func nextClassU() -> CoAPOption? {
        while let option = next() {
            if option.number.isOSCOREOuter && option.number != .oscore { return option }
        }
        return nil
    }
}
