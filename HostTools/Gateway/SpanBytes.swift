extension Array where Element == UInt8 {
    /// A copy of `span`'s bytes.
    init(copying span: Span<UInt8>) {
        self.init(unsafeUninitializedCapacity: span.count) { buffer, count in
            for i in 0..<span.count { buffer[i] = span[i] }
            count = span.count
        }
    }
}
