/// HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1 §10.1.2), without prediction resistance.
///
/// Deterministic: the output is only as unpredictable as the entropy input. Give it at
/// least 32 bytes of full entropy (security_strength = 256, §10.1 Table 2) and a nonce
/// (§8.6.7), and reseed from a true entropy source when `generate` reports `.limitExceeded`.
/// A copy of a value repeats the original's output: keep one instance per consumer.
public struct HMACDRBG: RandomSource {
    /// reseed_interval (§10.1 Table 2 allows up to 2^48 requests between reseeds).
    public static let reseedInterval: UInt64 = 1 << 48
    /// max_number_of_bits_per_request = 2^19 (§10.1 Table 2), in bytes.
    public static let maxBytesPerRequest = 1 << 16

    /// Key and V, the secret working state (§10.1.2.1), each outlen = 256 bits.
    var key: Bytes32
    var v: Bytes32
    /// reseed_counter (§10.1.2.1): requests since instantiation or the last reseed, plus one.
    var reseedCounter: UInt64

    /// HMAC_DRBG_Instantiate_algorithm (§10.1.2.3):
    /// seed_material = entropy_input || nonce || personalization_string.
    @export(interface)
    public init(entropy: Span<UInt8>, nonce: Span<UInt8>, personalization: Span<UInt8>) {
        key = Bytes32(repeating: 0x00)
        v = Bytes32(repeating: 0x01)
        reseedCounter = 1
        update(entropy, nonce, personalization)
    }

    /// HMAC_DRBG_Reseed_algorithm (§10.1.2.4): seed_material = entropy_input || additional_input.
    @export(interface)
    public mutating func reseed(entropy: Span<UInt8>, additionalInput: Span<UInt8>) {
        update(entropy, additionalInput, HMACDRBG.noInput.span)
        reseedCounter = 1
    }

    /// HMAC_DRBG_Generate_algorithm (§10.1.2.5), filling all of `output`.
    /// Throws `.limitExceeded` when a reseed is required or the request is over
    /// `maxBytesPerRequest`; the state is unchanged then.
    @export(interface)
    public mutating func generate(into output: inout MutableSpan<UInt8>,
                                  additionalInput: Span<UInt8>) throws(CryptoError) {
        guard isInstantiated, reseedCounter <= HMACDRBG.reseedInterval else { throw .limitExceeded }
        guard output.count <= HMACDRBG.maxBytesPerRequest else { throw .limitExceeded }
        generate(into: &output, from: 0, count: output.count, additionalInput: additionalInput)
    }

    /// RandomSource: `generate` with no additional input, in requests of at most
    /// `maxBytesPerRequest`. Traps only when the reseed interval is exhausted, since a
    /// RandomSource cannot report failure and must never return predictable bytes.
    @export(interface)
    public mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        var offset = 0
        while offset < buffer.count {
            precondition(isInstantiated && reseedCounter <= HMACDRBG.reseedInterval,
                         "HMAC_DRBG: reseed required")
            let count = min(buffer.count &- offset, HMACDRBG.maxBytesPerRequest)
            generate(into: &buffer, from: offset, count: count, additionalInput: HMACDRBG.noInput.span)
            offset &+= count
        }
    }

    /// Uninstantiate (§9.4): zeroes the internal state. `generate` then throws and `fill`
    /// traps until `reseed` supplies fresh entropy.
    @export(interface)
    public mutating func wipe() {
        key.wipe()
        v.wipe()
        reseedCounter = 0
    }

    /// reseed_counter is 1 or more from instantiation on; `wipe` sets it to 0.
    var isInstantiated: Bool { reseedCounter != 0 }

    static let noInput = InlineArray<0, UInt8>(repeating: 0)

    /// Steps 1–6 of §10.1.2.5 for `output[offset ..< offset + count]`; the caller has
    /// checked the reseed counter and the request size.
    mutating func generate(into output: inout MutableSpan<UInt8>, from offset: Int, count: Int,
                           additionalInput: Span<UInt8>) {
        if !additionalInput.isEmpty {
            update(additionalInput, HMACDRBG.noInput.span, HMACDRBG.noInput.span)
        }
        // Key is fixed during step 4, so it is keyed once and the keyed state copied.
        var keyed = HMACSHA256(key: key.span)
        var written = 0
        while written < count {
            var mac = keyed
            mac.update(v.span)
            v = mac.finalize()
            var i = 0
            while i < v.count && written < count {
                output[offset &+ written] = v[i]
                written &+= 1
                i &+= 1
            }
        }
        keyed.wipe()
        update(additionalInput, HMACDRBG.noInput.span, HMACDRBG.noInput.span)
        reseedCounter &+= 1
    }

    /// HMAC_DRBG_Update (§10.1.2.2), with provided_data = data0 || data1 || data2.
    mutating func update(_ data0: Span<UInt8>, _ data1: Span<UInt8>, _ data2: Span<UInt8>) {
        let hasProvidedData = !(data0.isEmpty && data1.isEmpty && data2.isEmpty)
        var separator = InlineArray<1, UInt8>(repeating: 0x00)
        while true {
            // Key = HMAC(Key, V || separator || provided_data); V = HMAC(Key, V).
            var mac = HMACSHA256(key: key.span)
            mac.update(v.span)
            mac.update(separator.span)
            mac.update(data0)
            mac.update(data1)
            mac.update(data2)
            key = mac.finalize()
            v = HMACSHA256.authenticationCode(key: key.span, message: v.span)
            if !hasProvidedData || separator[0] == 0x01 { return }
            separator[0] = 0x01
        }
    }
}
