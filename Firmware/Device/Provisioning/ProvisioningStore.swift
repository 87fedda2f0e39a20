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
    // The store's functions are not inlined: each holds a slot buffer (354 bytes) and
    // parses a record, which a caller's frame should not carry through its own calls.
    @inline(never)
    public mutating func load() -> ProvisioningRecord? {
        guard let newest = newestSlot() else { return nil }
        return readRecord(newest.index)
    }

    /// `load()` for a caller that only reads the record: `body` gets the newest one in place
    /// — in this function's frame, not moved out through every caller's — and it is destroyed
    /// afterwards (its private key wiped). Returns false, without calling `body`, when there
    /// is none.
    public mutating func withNewestRecord<E: Error>(_ body: (inout ProvisioningRecord) throws(E) -> Void) throws(E) -> Bool {
        guard let newest = newestSlot() else { return false }
        return try withRecord(in: newest.index, body)
    }

    @inline(never)
    mutating func withRecord<E: Error>(in index: Int, _ body: (inout ProvisioningRecord) throws(E) -> Void) throws(E) -> Bool {
        var storage = SlotStorage(repeating: 0xFF)
        defer { storage.wipe() }
        guard readSlot(index, into: &storage) else { return false }
        var record: ProvisioningRecord
        do throws(ProvisioningRecordError) {
            record = try ProvisioningRecord(slot: storage.span)
        } catch {
            return false
        }
        do throws(E) {
            try body(&record)
        } catch {
            record.destroy()
            throw error
        }
        record.destroy()
        return true
    }

    /// The record in slot `index`, nil if it holds none.
    @inline(never)
    mutating func readRecord(_ index: Int) -> ProvisioningRecord? {
        var storage = SlotStorage(repeating: 0xFF)
        defer { storage.wipe() }
        guard readSlot(index, into: &storage) else { return nil }
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
        let target = try nextSave()
        try write(&record, sequence: target.sequence, slot: target.slot)
        try confirm(target)
        record.sequence = target.sequence
    }

    // `save` is these three steps; `ProvisioningResponder` runs them one by one so that the
    // record it builds is not on the stack while the slots are read and parsed.

    /// Where the next save goes: the slot without the current record, and the current
    /// sequence number + 1 (1 when there is none).
    mutating func nextSave() throws(ProvisioningStoreError) -> (slot: Int, sequence: UInt32) {
        guard isUsable else { throw .flashTooSmall }
        let newest = newestSlot()
        return (newest.map { 1 - $0.index } ?? 0, newest.map { $0.sequence &+ 1 } ?? 1)
    }

    /// After `write`: the slot must also hold a valid record on its own (what the next boot
    /// sees), read again and parsed in a frame of its own once `write` freed its buffers.
    /// Erases the slot if not.
    mutating func confirm(_ target: (slot: Int, sequence: UInt32)) throws(ProvisioningStoreError) {
        guard slotSequence(target.slot) == target.sequence else {
            abandon(target.slot)
            throw .verifyFailed
        }
    }

    /// The sequence number of slot `index` if it holds a valid record.
    @inline(never)
    mutating func slotSequence(_ index: Int) -> UInt32? {
        var storage = SlotStorage(repeating: 0xFF)
        defer { storage.wipe() }
        guard readSlot(index, into: &storage) else { return nil }
        return Self.validSequence(storage.span)
    }

    /// Encodes `record` with `sequence` into `slot`, and reads it back byte for byte. Its own
    /// frame, after `newestSlot` has returned: the two slot buffers are never under that one's.
    @inline(never)
    mutating func write(_ record: inout ProvisioningRecord, sequence: UInt32, slot: Int) throws(ProvisioningStoreError) {
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
        guard same else {
            abandon(slot)
            throw .verifyFailed
        }
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
    @inline(never)
    mutating func newestSlot() -> (index: Int, sequence: UInt32)? {
        var newest: (index: Int, sequence: UInt32)? = nil
        for index in 0..<2 {
            guard let sequence = slotSequence(index) else { continue }
            if let current = newest, !Self.isNewer(sequence, than: current.sequence) { continue }
            newest = (index, sequence)
        }
        return newest
    }

    /// The sequence number of a slot's content that holds a valid record, nil otherwise.
    @inline(never)
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
