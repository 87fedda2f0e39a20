import RampartCrypto
import RampartPlatform
import RampartProtocol

/// The two record slots in flash (docs/provisioning.md, "The record in flash"): pages 0
/// and 1 of a `FlashPageStore`. A save never overwrites the record in use: it writes the
/// *other* slot with the next sequence number and reads it back, so a save cut short by a
/// power loss leaves a slot whose CRC fails and the previous record (or none) still wins.
///
/// Sequence numbers compare as serial numbers (RFC 1982 with 32 bits): after 0xFFFF_FFFF
/// comes 0, and 0 is the newer of the two. The slots only ever hold consecutive numbers, so
/// the comparison never meets its undefined half-way case.
///
/// Every buffer that held a slot's content (and so the private key) is wiped before the
/// function that filled it returns.
public struct ProvisioningStore<Flash: FlashPageStore>: ~Copyable {
    public var flash: Flash

    /// The pages of the two slots.
    public static var slotPages: InlineArray<2, Int> { [0, 1] }

    public init(flash: consuming Flash) {
        self.flash = flash
    }

    /// Whether the flash has the two pages, each large enough for a record.
    public var isUsable: Bool {
        flash.pageCount >= 2 && flash.pageByteCount >= ProvisioningRecord.maxEncodedByteCount
    }

    /// The record of the valid slot with the newer sequence number, or nil when neither
    /// slot holds one (a new board, after a factory reset, or flash that cannot be read).
    public mutating func load() -> ProvisioningRecord? {
        guard let newest = newestSlot() else { return nil }
        var storage = SlotStorage(repeating: 0xFF)
        defer { storage.wipe() }
        guard readSlot(newest.index, into: &storage) else { return nil }
        do throws(ProvisioningRecordError) {
            return try ProvisioningRecord(slot: storage.span)
        } catch {
            return nil
        }
    }

    /// The sequence number of the record `load` returns, nil when there is none.
    public mutating func currentSequence() -> UInt32? {
        newestSlot()?.sequence
    }

    /// Writes `record` into the slot that does not hold the current record, with the current
    /// sequence number + 1 (1 when there is none), and reads it back. Sets
    /// `record.sequence` on success; on failure the previous record stays the current one.
    public mutating func save(_ record: inout ProvisioningRecord) throws(ProvisioningStoreError) {
        guard isUsable else { throw .flashTooSmall }
        let newest = newestSlot()
        let slot = newest.map { 1 - $0.index } ?? 0
        let sequence = newest.map { $0.sequence &+ 1 } ?? 1
        var written = SlotStorage(repeating: 0xFF)
        var readBack = SlotStorage(repeating: 0xFF)
        defer {
            written.wipe()
            readBack.wipe()
        }
        let count: Int
        do throws(ProvisioningRecordError) {
            count = try record.encode(sequence: sequence, into: &written)
        } catch {
            throw .recordTooLong
        }
        let page = Self.slotPages[slot]
        guard flash.write(page: page, from: written.span.extracting(0..<count)) else {
            abandon(slot)
            throw .writeFailed
        }
        var same = readSlot(slot, into: &readBack)
        for i in 0..<count where readBack[i] != written[i] { same = false }
        // The read-back copy must also be a valid record on its own (what the next boot sees).
        guard same, Self.validSequence(readBack.span) == sequence else {
            abandon(slot)
            throw .verifyFailed
        }
        record.sequence = sequence
    }

    /// After a failed save: erases the slot, so that a write the flash reported as failed
    /// but completed anyway cannot become the record at the next boot — the host was told
    /// the previous record stays. Best effort: a torn or failed erase leaves a slot whose
    /// CRC fails, which is as good.
    mutating func abandon(_ slot: Int) {
        let nothing = InlineArray<0, UInt8>(repeating: 0)
        _ = flash.write(page: Self.slotPages[slot], from: nothing.span)
    }

    /// Factory reset: erases both slots. Throws if either erase failed (a slot may then
    /// still hold a record; erasing again is safe).
    public mutating func erase() throws(ProvisioningStoreError) {
        var failed = false
        let nothing = InlineArray<0, UInt8>(repeating: 0)
        for slot in 0..<2 where !flash.write(page: Self.slotPages[slot], from: nothing.span) { failed = true }
        if failed { throw .eraseFailed }
    }

    /// The valid slot with the newer sequence number.
    mutating func newestSlot() -> (index: Int, sequence: UInt32)? {
        var newest: (index: Int, sequence: UInt32)? = nil
        var storage = SlotStorage(repeating: 0xFF)
        defer { storage.wipe() }
        for index in 0..<2 {
            guard readSlot(index, into: &storage), let sequence = Self.validSequence(storage.span) else { continue }
            if let current = newest, !Self.isNewer(sequence, than: current.sequence) { continue }
            newest = (index, sequence)
        }
        return newest
    }

    /// The sequence number of a slot's content that holds a valid record, nil otherwise.
    static func validSequence(_ slot: Span<UInt8>) -> UInt32? {
        do throws(ProvisioningRecordError) {
            let record = try ProvisioningRecord(slot: slot)
            let sequence = record.sequence
            record.destroy()
            return sequence
        } catch {
            return nil
        }
    }

    /// RFC 1982 serial number comparison for 32-bit numbers: `a` is newer than `b` when it
    /// is ahead by less than half the number space.
    static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        let distance = a &- b
        return distance != 0 && distance < 0x8000_0000
    }

    /// Reads slot `index`'s first `SlotStorage.count` bytes.
    mutating func readSlot(_ index: Int, into storage: inout SlotStorage) -> Bool {
        guard isUsable else { return false }
        var span = storage.mutableSpan
        return flash.read(page: Self.slotPages[index], into: &span)
    }
}

/// Why the record could not be saved or erased.
public enum ProvisioningStoreError: Error, Sendable, Equatable {
    /// The flash has fewer than two pages, or pages smaller than a record.
    case flashTooSmall
    /// The record does not fit a slot.
    case recordTooLong
    /// The flash reported a failed write (the slot is now torn; the other one is intact).
    case writeFailed
    /// The slot read back differs from what was written, or does not validate.
    case verifyFailed
    /// Erasing a slot failed.
    case eraseFailed
}
