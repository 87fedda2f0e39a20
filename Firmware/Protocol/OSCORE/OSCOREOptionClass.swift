/// Which options stay outside the ciphertext (RFC 8613 §4.1, Figure 5).
extension CoAPOptionNumber {
    /// Class U only: Uri-Host, Uri-Port, Proxy-Uri, Proxy-Scheme (§4.1.3.2-4.1.3.3) and the
    /// OSCORE option itself. Every other option, known or not, is Class E (inner) here:
    /// options that may be both (Observe, Max-Age, Block1/2, Size1/2, No-Response) are sent
    /// inner only, since this profile uses neither Observe nor outer Block-wise.
    ///
    /// A Proxy-Uri must already be reduced to scheme, host and port by the caller
    /// (§4.1.3.3); its Uri-Path and Uri-Query parts go in inner options.
    var isOSCOREOuter: Bool {
        self == .uriHost || self == .uriPort || self == .proxyUri || self == .proxyScheme || self == .oscore
    }
}
