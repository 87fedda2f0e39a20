import RampartProtocol

/// What an eavesdropper or a relay in the lab can tell about a device's datagram without
/// any key: CoAP headers, the EDHOC message number, the OSCORE option (all cleartext).
enum LabPacket: Equatable {
    case message1
    case message3
    /// An OSCORE request; `option` is the OSCORE option's value (flags, Partial IV, kid).
    case oscore(option: [UInt8])
    case other

    init(_ datagram: [UInt8]) {
        guard let message = try? CoAPMessage(parsing: datagram.span), message.code.isRequest else {
            self = .other
            return
        }
        if let option = message.options.first(.oscore) {
            self = .oscore(option: (0..<option.count).map { option[$0] })
            return
        }
        guard EDHOCOverCoAP.isEDHOCRequest(message),
              let payload = try? EDHOCOverCoAP.parseRequestPayload(message.payload) else {
            self = .other
            return
        }
        self = payload.isMessage1 ? .message1 : .message3
    }

    /// `datagram` with a different Partial IV (the same length, advanced by `step`) and one
    /// ciphertext byte flipped: a forged request the gateway can only reject when it fails
    /// to decrypt (not as a replay). Nil when `datagram` is not OSCORE.
    static func forged(_ datagram: [UInt8], step: Int) -> [UInt8]? {
        guard case .oscore(let option) = LabPacket(datagram), let flags = option.first else { return nil }
        let ivLength = Int(flags & 0x07)
        guard ivLength > 0, option.count >= 1 + ivLength,
              let at = firstIndex(of: option, in: datagram) else { return nil }
        var bytes = datagram
        var carry = step
        for i in stride(from: at + ivLength, through: at + 1, by: -1) where carry > 0 {
            let sum = Int(bytes[i]) + carry
            bytes[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        bytes[bytes.count - 1] ^= 0x5A
        return bytes
    }

    /// `datagram` with its last byte (inside the AEAD tag) flipped: what a relay that
    /// alters a field in transit delivers.
    static func altered(_ datagram: [UInt8]) -> [UInt8] {
        var bytes = datagram
        if !bytes.isEmpty { bytes[bytes.count - 1] ^= 0x01 }
        return bytes
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count - needle.count >= 4 else { return nil }
        for start in 4...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
