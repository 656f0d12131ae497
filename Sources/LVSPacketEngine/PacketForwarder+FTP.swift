import LVSCore
import LVSFTP
import LVSPacket

// The FTP helper on the masquerading path (reference §6, ip_vs_ftp; docs/design/0016-ftp-helper.md).
//
// For every TCP segment of a masqueraded FTP control connection, before its addresses are
// rewritten: the sequence and acknowledgement numbers are adjusted for earlier length changes
// (both directions, retransmissions included), and while the connection is ESTABLISHED its text
// is read — client → server PASV/EPSV (noted) and PORT/EPRT (the active data entry is made:
// client:port ↔ VIP:vport−1, RS:dport−1; the text stays), server → client 227/229 (the passive
// data entry is made and the reply rewritten to the VIP and the port). Anything refused is
// forwarded untouched and counted. The helper's state lives in the director, read and written
// in one exclusive step per segment.
extension PacketForwarder {
    /// Which way a control segment travels.
    enum FTPDirection {
        case clientToServer
        case serverToClient
    }

    /// What the exclusive step decided for one segment.
    struct FTPSegmentOutcome: Sendable {
        var sequence: UInt32
        var acknowledgement: UInt32
        /// The payload was rewritten in place to this many bytes longer (or shorter).
        var lengthChange: Int = 0
        var counters = FTPHelperCounters()
    }

    /// Runs the helper over one segment of control connection `ref`; `packet` describes the
    /// frame afterwards. False only when the frame could not be fixed up (dropped, counted as
    /// a failed rewrite).
    mutating func ftpControlSegment<D: ConnectionDecider>(
        _ direction: FTPDirection, of ref: ConnectionRef, packet: inout ParsedPacket, frame: inout PacketBuffer,
        decider: D, now: MonotonicInstant
    ) -> Bool {
        guard case .tcp(let header) = packet.transport else { return true }
        let readable = !offload.isSegmented
        let network = packet.network
        let outcome: FTPSegmentOutcome? = decider.exclusively { director in
            guard let control = director.helperConnection(ref), control.isFTPControl else { return nil }
            return Self.helperStep(
                direction, control: control, header: header, network: network, frame: &frame, readable: readable,
                director: director, now: now)
        }
        guard let outcome else { return true }
        counters.ftp.add(outcome.counters)
        if !readable && packet.payloadLength > 0 { counters.ftp.aggregatesNotRead &+= 1 }
        let renumbered =
            outcome.sequence != header.sequenceNumber || outcome.acknowledgement != header.acknowledgmentNumber
        guard renumbered || outcome.lengthChange != 0 else { return true }
        if renumbered { counters.ftp.sequenceAdjusted &+= 1 }
        do {
            try frame.setU32(outcome.sequence, at: header.offset + 4)
            try frame.setU32(outcome.acknowledgement, at: header.offset + 8)
            if outcome.lengthChange != 0 {
                try Self.setIPLength(in: frame, network: network, change: outcome.lengthChange)
            }
            packet = try ParsedPacket.parse(frame, at: packet.l3Offset, end: frame.count)
            // A partial checksum is completed on the way out (settleOffload); a full one is
            // computed again here, before the address rewrite adjusts it incrementally.
            if !checksumPending {
                try TransportChecksum.recompute(in: frame, packet: packet)
                packet = try ParsedPacket.parse(frame, at: packet.l3Offset, end: frame.count)
            }
        } catch {
            return false
        }
        return true
    }

    /// The part that runs with the director held: read the text, make the data entry, rewrite,
    /// adjust the numbers and keep the state.
    static func helperStep(
        _ direction: FTPDirection, control: HelperConnection, header: TCPHeader, network: NetworkHeader,
        frame: inout PacketBuffer, readable: Bool, director: Director, now: MonotonicInstant
    ) -> FTPSegmentOutcome {
        let state = control.helperState
        var adjusters = ConnectionSequenceAdjusters(
            clientToServer: SequenceAdjuster(
                adjustment: state.inSequence ?? SequenceAdjustment(), isActive: state.inSequence != nil),
            serverToClient: SequenceAdjuster(
                adjustment: state.outSequence ?? SequenceAdjustment(), isActive: state.outSequence != nil))
        var helper = FTPControlHelper(
            family: control.clientAddress.family, clientAddress: control.clientAddress,
            virtualAddress: control.virtualAddress, serverAddress: control.serverAddress,
            expectedReply: FTPPassiveRequest(applicationData: state.applicationData))
        var counters = FTPHelperCounters()
        var lengthChange = 0
        let payloadStart = header.payloadOffset
        let payloadEnd = network.end
        // Reference §6: the helper reads only while the control connection is ESTABLISHED.
        if control.isEstablished && readable && payloadEnd > payloadStart && payloadStart >= 0
            && payloadEnd <= frame.count
        {
            let payload = UnsafeRawBufferPointer(
                rebasing: frame.storage[(frame.start + payloadStart)..<(frame.start + payloadEnd)])
            switch direction {
            case .clientToServer:
                switch helper.clientSegment(payload) {
                case .forward:
                    break
                case .passiveRequested:
                    counters.passiveRequests &+= 1
                case .activeDataConnection(let address, let port):
                    // client:port ↔ VIP:vport−1 → RS:dport−1; the text is not rewritten.
                    if control.virtualPort > 1 && control.serverPort > 1 {
                        count(
                            director.createRelatedConnection(
                                controlledBy: control.ref, client: address, clientPort: port,
                                virtualPort: control.virtualPort - 1, serverPort: control.serverPort - 1, now: now),
                            active: true, into: &counters)
                    }
                }
            case .serverToClient:
                var action = helper.serverSegment(payload)
                var retransmission = false
                if case .forward = action, adjusters.serverToClient.isActive,
                    header.sequenceNumber == adjusters.serverToClient.adjustment.initialSequence,
                    let reply = rereadRewrittenReply(payload, control: control)
                {
                    // The rewritten reply sent again: it must leave rewritten again, or the
                    // client's byte stream would not match the numbers it was given.
                    action = reply
                    retransmission = true
                }
                if case .passiveReply(let advertised, let replacement) = action {
                    // The first copy made the data entry (which may have learnt its client port
                    // since); a retransmission only needs the same text.
                    var usable = true
                    if !retransmission {
                        let made = director.createRelatedConnection(
                            controlledBy: control.ref, client: control.clientAddress, clientPort: 0,
                            virtualPort: advertised.port, serverPort: advertised.port, now: now)
                        usable = count(made, active: false, into: &counters)
                    }
                    if usable {
                        if let change = rewrite(
                            &frame, payloadStart: payloadStart, payloadEnd: payloadEnd, match: advertised,
                            address: replacement)
                        {
                            lengthChange = change
                            if retransmission {
                                counters.retransmissionsRewritten &+= 1
                            } else {
                                counters.passiveRepliesRewritten &+= 1
                            }
                        } else {
                            counters.noRoom &+= 1
                        }
                    }
                }
            }
            counters.refused = helper.refusals.total
            counters.refusedSplit = helper.refusals[.splitAcrossSegments]
        }
        let numbers: ConnectionSequenceAdjusters.Numbers
        switch direction {
        case .clientToServer:
            numbers = adjusters.clientSegment(
                sequence: header.sequenceNumber, acknowledgement: header.acknowledgmentNumber,
                lengthChange: Int32(lengthChange))
        case .serverToClient:
            numbers = adjusters.serverSegment(
                sequence: header.sequenceNumber, acknowledgement: header.acknowledgmentNumber,
                lengthChange: Int32(lengthChange))
        }
        let kept = ConnectionHelperState(
            inSequence: adjusters.clientToServer.isActive ? adjusters.clientToServer.adjustment : nil,
            outSequence: adjusters.serverToClient.isActive ? adjusters.serverToClient.adjustment : nil,
            applicationData: helper.expectedReply?.applicationData ?? 0)
        if kept != state { director.setHelperState(kept, of: control.ref) }
        return FTPSegmentOutcome(
            sequence: numbers.sequence, acknowledgement: numbers.acknowledgement, lengthChange: lengthChange,
            counters: counters)
    }

    /// A 227 or 229 at the start of a retransmitted segment, read as the first time.
    static func rereadRewrittenReply(_ payload: UnsafeRawBufferPointer, control: HelperConnection)
        -> FTPControlHelper.ServerAction?
    {
        for request in [FTPPassiveRequest.passive, .extendedPassive] {
            var helper = FTPControlHelper(
                family: control.clientAddress.family, clientAddress: control.clientAddress,
                virtualAddress: control.virtualAddress, serverAddress: control.serverAddress, expectedReply: request)
            let action = helper.serverSegment(payload)
            if case .passiveReply = action { return action }
        }
        return nil
    }

    /// Counts what `createRelatedConnection` did; true when a data entry exists afterwards.
    @discardableResult
    static func count(_ outcome: RelatedConnectionOutcome, active: Bool, into counters: inout FTPHelperCounters)
        -> Bool
    {
        switch outcome {
        case .created:
            if active {
                counters.activeEntries &+= 1
            } else {
                counters.passiveEntries &+= 1
            }
            return true
        case .existing:
            counters.existingEntries &+= 1
            return true
        case .controlGone, .tableFull:
            counters.entryFailures &+= 1
            return false
        }
    }

    /// Replaces the matched address/port text in the frame's payload (which ends at
    /// `payloadEnd`, any link padding after it dropped) by the text for `address` and the
    /// advertised port, moving the rest of the payload. Returns the length change, or nil (the
    /// frame untouched) when the frame's memory has no room for the longer text.
    static func rewrite(
        _ frame: inout PacketBuffer, payloadStart: Int, payloadEnd: Int, match: FTPAddressPort, address: IPAddress
    ) -> Int? {
        let start = payloadStart + match.range.lowerBound
        let end = payloadStart + match.range.upperBound
        guard start >= payloadStart, end <= payloadEnd, payloadEnd <= frame.count else { return nil }
        return withUnsafeTemporaryAllocation(byteCount: FTPControlRewriter.maximumReplacementLength, alignment: 1) {
            replacement -> Int? in
            // The replacement alone: the matched text rewritten as a payload of its own.
            let matched = UnsafeRawBufferPointer(rebasing: frame.storage[(frame.start + start)..<(frame.start + end)])
            var alone = match
            alone.range = 0..<matched.count
            guard
                let written = try? FTPControlRewriter.rewrite(
                    matched, match: alone, address: address, port: match.port, into: replacement)
            else { return nil }
            let change = written.length - (end - start)
            let newEnd = payloadEnd + change
            guard newEnd <= frame.count + frame.tailroom else { return nil }
            do {
                try frame.setCount(max(payloadEnd, newEnd))
                try frame.moveBytes(from: end, to: end + change, length: payloadEnd - end)
                try frame.write(UnsafeRawBufferPointer(rebasing: replacement[0..<written.length]), at: start)
                try frame.setCount(newEnd)
            } catch {
                return nil
            }
            return change
        }
    }

    /// Adds `change` to the IP packet's length field (and fixes the IPv4 header checksum).
    static func setIPLength(in frame: PacketBuffer, network: NetworkHeader, change: Int) throws(PacketError) {
        switch network {
        case .ipv4(let header):
            let offset = header.offset
            guard let old = frame.u16(at: offset + 2), let checksum = frame.u16(at: offset + 10) else {
                throw .outOfBounds
            }
            let new = Int(old) + change
            guard new >= header.headerLength, new <= 0xFFFF else { throw .packetTooLarge }
            try frame.setU16(UInt16(new), at: offset + 2)
            try frame.setU16(InternetChecksum.update(checksum, old: old, new: UInt16(new)), at: offset + 10)
        case .ipv6(let header):
            guard let old = frame.u16(at: header.offset + 4) else { throw .outOfBounds }
            let new = Int(old) + change
            guard new >= 0, new <= 0xFFFF else { throw .packetTooLarge }
            try frame.setU16(UInt16(new), at: header.offset + 4)
        }
    }

    /// A packet the engine took from the kernel but that belongs to no connection (a real
    /// server's own traffic in an FTP data port range): routed to its destination unchanged
    /// but for the TTL, as the kernel's forwarding would have (reference §5 common steps).
    mutating func routeOnward<N: NeighbourResolver>(
        _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, neighbours: inout N, now: MonotonicInstant,
        scratch: inout PacketBuffer
    ) -> ForwardAction {
        var packet = packet
        switch prepareHop(
            &packet, frame: frame, towards: packet.destination.ipAddress, onLinkOnly: false, overhead: 0,
            ingress: ingress, neighbours: &neighbours, now: now, scratch: &scratch)
        {
        case .proceed(let egress, let mac):
            return finish(&frame, packet: packet, egress: egress, mac: mac)
        case .done(let action):
            return action
        }
    }
}
