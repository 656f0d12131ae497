/// Field sizes, option types and flag masks of the sync wire format (reference §7.3, §7.4).
enum SyncWireLayout {
    /// v1 record fixed parts: 36 bytes for IPv4, 72 for IPv6.
    static let ipv4RecordLength = 36
    static let ipv6RecordLength = 72
    /// v1 `type` bit 0: the record's addresses are IPv6.
    static let typeIPv6: UInt8 = 0x01
    /// v1 `ver_size`: record version in the high 4 bits, length in the low 12.
    static let recordLengthMask: UInt16 = 0x0FFF
    static let recordVersionShift: UInt16 = 12

    /// Option types; `optionalBit` on an unknown type lets receivers skip it.
    static let optionSequenceData: UInt8 = 1
    static let optionPersistenceData: UInt8 = 2
    static let optionPersistenceName: UInt8 = 3
    static let optionalBit: UInt8 = 0x40
    /// SEQ_DATA: in_seq and out_seq, three 32-bit words each.
    static let sequenceDataLength = 24
    static let persistenceNameMaximum = 15

    /// v0 records: 24 bytes, plus 24 bytes of sequence data when the flags ask for it.
    static let v0RecordLength = 24
    static let v0SequenceFlags: UInt32 = 0x0600

    /// Largest value of the 16-bit size field and of the 8-bit record count.
    static let maximumMessageLength = 65535
    static let maximumRecordCount = 255
}
