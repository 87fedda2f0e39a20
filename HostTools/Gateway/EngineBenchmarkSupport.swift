import RampartProtocol

extension GatewayEngine {
    /// Fills the session table with `count` sessions whose OSCORE contexts are derived
    /// directly (no handshake), for `rampart bench gateway`'s memory figures
    /// (`bytes_per_session`): a million real handshakes would take minutes and measure the
    /// same table. Kids are `prefix ‖ index` (4 bytes big-endian).
    @_spi(Benchmark)
    public func installSyntheticSessions(count: Int, kidPrefix: UInt8) throws {
        let secret = [UInt8](repeating: 0x5A, count: 16)
        let salt = [UInt8](repeating: 0xA5, count: 8)
        let now = clock.now()
        for index in 0..<count {
            var recipientID = UInt32.random(in: .min ... .max)
            while sessions.contains(recipientID) { recipientID = UInt32.random(in: .min ... .max) }
            let cR: [UInt8] = [UInt8(recipientID >> 24), UInt8(recipientID >> 16 & 0xFF),
                               UInt8(recipientID >> 8 & 0xFF), UInt8(recipientID & 0xFF)]
            let cI: [UInt8] = [0x05]
            let context = try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: salt.span,
                                                    senderID: cI.span, recipientID: cR.span, idContext: nil)
            let kid: [UInt8] = [kidPrefix, UInt8(index >> 24 & 0xFF), UInt8(index >> 16 & 0xFF),
                                UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF)]
            sessions.install(Session(recipientID: recipientID, kid: kid, suite: 0, context: context,
                                     peer: .udp(host: "192.0.2.1", port: 5683), now: now, message3Fingerprint: 0))
        }
    }
}
