import Glibc
import LVSCore
import LVSFTP
import LVSReactor
import LVSSharedDirector

// FTP through the proxy engine (docs/design/0007-proxy-engine.md, "FTP"; reference §6 for what
// the packet engine's helper does). The control connection is copied line by line: a real
// server's 227/229 reply is rewritten to the VIP and a data listener of ours (passive), a
// client's PORT/EPRT to our address on the real-server side and a data listener of ours
// (active). Each data listener accepts one connection, from the expected peer only, within
// `dataAcceptTimeoutNanoseconds`, and splices it to the advertised address and port. Data
// connections count on the control entry (its real server's and service's statistics) and
// close with the control connection.
extension ProxyWorker {
    /// How long a data listener waits for its one connection.
    static let dataAcceptTimeoutNanoseconds: UInt64 = 30_000_000_000

    /// `pump` for the sockets of an FTP control connection: the pending output first, then one
    /// read (at most one line's worth) whose complete lines are inspected and queued.
    func pumpControl(from source: UInt32, to destination: UInt32, reactor: Reactor<ProxyWorker>) -> Bool {
        let client = slots[source].kind == .client ? source : destination
        guard let state = ftpControls[client] else {
            finish(client, reset: .client, reactor: reactor)
            return false
        }
        let towardsServer = source == client
        let stream: ReferenceWritableKeyPath<FTPControlState, FTPLineStream> =
            towardsServer ? \.toServer : \.toClient
        var moved = false
        defer {
            if moved, slots.isOccupied(client), slots[client].kind == .client {
                slots[client].lastActivity = reactor.now.nanoseconds
                slots[client].dirty = true
            }
        }
        while true {
            let entry = slots[source]
            if entry.transfer.end > entry.transfer.start, let buffer = entry.buffer {
                // A PROXY protocol header queued ahead of the client's first line.
                let pending = UnsafeRawBufferPointer(
                    rebasing: buffers.bytes(of: buffer)[Int(entry.transfer.start)..<Int(entry.transfer.end)])
                switch Socket.write(Int32(bitPattern: destination), from: pending) {
                case .transferred(let count):
                    slots[source].transfer.start += Int32(count)
                    if slots[source].transfer.start == slots[source].transfer.end {
                        buffers.giveBack(buffer)
                        slots[source].buffer = nil
                        slots[source].transfer.start = 0
                        slots[source].transfer.end = 0
                    }
                    continue
                case .wouldBlock:
                    return true
                case .endOfFile, .failed:
                    finish(client, reset: .server, reactor: reactor)
                    return false
                }
            }
            if state[keyPath: stream].hasOutput {
                let destinationFD = Int32(bitPattern: destination)
                switch state[keyPath: stream].withUnwritten({ Socket.write(destinationFD, from: $0) }) {
                case .transferred(let count):
                    moved = true
                    state[keyPath: stream].wrote(count)
                    continue
                case .wouldBlock:
                    return true
                case .endOfFile, .failed:
                    finish(client, reset: destination == client ? .client : .server, reactor: reactor)
                    return false
                }
            }
            if slots[source].readEOF {
                if !state[keyPath: stream].pending.isEmpty {
                    state[keyPath: stream].flushPending()
                    continue
                }
                return forwardEndOfFile(from: source, to: destination, client: client, reactor: reactor)
            }
            guard slots[source].mayRead else { return true }
            switch Socket.read(Int32(bitPattern: source), into: ftpScratch) {
            case .transferred(let count):
                moved = true
                slots[source].unreportedBytes &+= UInt64(count)
                if count < ftpScratch.count && !slots[source].peerClosed { slots[source].mayRead = false }
                state[keyPath: stream].append(UnsafeRawBufferPointer(rebasing: ftpScratch[0..<count]))
                while let line = state[keyPath: stream].nextLine() {
                    let out =
                        towardsServer
                        ? clientCommand(line, control: client, state: state, reactor: reactor)
                        : serverReply(line, control: client, state: state, reactor: reactor)
                    state[keyPath: stream].emit(out)
                }
            case .wouldBlock:
                slots[source].mayRead = false
                return true
            case .endOfFile:
                slots[source].readEOF = true
            case .failed:
                finish(client, reset: source == client ? .client : .server, reactor: reactor)
                return false
            }
        }
    }

    /// A client line: PORT/EPRT become our real-server-side address and a data listener that
    /// accepts the real server only and connects to the address the client named.
    private func clientCommand(
        _ line: [UInt8], control client: UInt32, state: FTPControlState, reactor: Reactor<ProxyWorker>
    ) -> [UInt8] {
        let match: FTPAddressPort?
        do throws(FTPParseRefusal) {
            match = try FTPControlParser.parseClientCommand(
                line, family: state.clientAddress.family, clientAddress: state.clientAddress)
        } catch {
            counters.increment(.ftpRefusedLines)
            return line
        }
        guard let match else { return line }
        let serverFD = Int32(bitPattern: slots[client].partner)
        guard let local = try? Socket.localAddress(serverFD), let server = try? Socket.peerAddress(serverFD),
            let port = openDataListener(
                control: client, bind: local.ip, expectedPeer: server.ip,
                target: SocketAddress(match.address, port: match.port), active: true, reactor: reactor),
            let rewritten = try? FTPControlRewriter.rewritten(line, match: match, address: local.ip, port: port)
        else {
            counters.increment(.ftpRefusedLines)
            return line
        }
        return rewritten.payload
    }

    /// A real-server line: 227/229 become the VIP and a data listener that accepts the control
    /// connection's client only and connects to the port the real server named.
    private func serverReply(
        _ line: [UInt8], control client: UInt32, state: FTPControlState, reactor: Reactor<ProxyWorker>
    ) -> [UInt8] {
        // Only "227 " and "229 " are read; anything else passes without a system call.
        guard line.count > 4, line[0] == UInt8(ascii: "2"), line[1] == UInt8(ascii: "2"),
            line[2] == UInt8(ascii: "7") || line[2] == UInt8(ascii: "9")
        else { return line }
        let serverFD = Int32(bitPattern: slots[client].partner)
        guard let server = try? Socket.peerAddress(serverFD) else { return line }
        if state.serverSideAddress == nil { state.serverSideAddress = (try? Socket.localAddress(serverFD))?.ip }
        let request: FTPPassiveRequest = line[2] == UInt8(ascii: "7") ? .passive : .extendedPassive
        let match: FTPAddressPort?
        do throws(FTPParseRefusal) {
            match = try FTPControlParser.parseServerReply(
                line, expecting: request, family: server.ip.family, serverAddress: server.ip)
        } catch {
            counters.increment(.ftpRefusedLines)
            return line
        }
        guard let match else { return line }
        guard
            let port = openDataListener(
                control: client, bind: state.virtualAddress, expectedPeer: state.clientAddress,
                target: SocketAddress(match.address, port: match.port), active: false, reactor: reactor),
            let rewritten = try? FTPControlRewriter.rewritten(
                line, match: match, address: state.virtualAddress, port: port)
        else {
            counters.increment(.ftpRefusedLines)
            return line
        }
        return rewritten.payload
    }

    /// Opens a data listener on `bind` (ephemeral port) for the control connection in `client`;
    /// returns its port.
    private func openDataListener(
        control client: UInt32, bind: IPAddress, expectedPeer: IPAddress, target: SocketAddress, active: Bool,
        reactor: Reactor<ProxyWorker>
    ) -> UInt16? {
        let fd: Int32
        do {
            // A control connection from the client's address (--transparent-source) has that
            // address on its real-server side: an active-mode listener binds it transparently.
            fd = try Socket.makeTCPListener(
                TCPListenerOptions(
                    address: SocketAddress(bind, port: 0), backlog: 8, reusePort: false,
                    transparent: active && slots[client].transparentSource))
        } catch {
            counters.increment(.listenerErrors)
            return nil
        }
        guard let port = try? Socket.localAddress(fd).port, let token = try? reactor.register(fd, interest: .input)
        else {
            _ = Glibc.close(fd)
            counters.increment(.listenerErrors)
            return nil
        }
        var slot = ProxySlot()
        slot.kind = .ftpDataListener
        slot.token = token
        slot.control = client
        slot.controlToken = slots[client].token
        slot.client = SocketAddress(expectedPeer, port: 0)
        slot.dataTarget = target
        slot.swapped = active
        slot.service = slots[client].service
        slot.ref = slots[client].ref
        if let related = makeDataEntry(
            control: slots[client].ref, listenerPort: port, target: target, active: active, now: reactor.now)
        {
            slot.ref = related
            slot.ownsRelatedEntry = true
        }
        guard slots.occupy(token.slot, with: slot) != nil else {
            reactor.close(token)
            counters.increment(.listenerErrors)
            return nil
        }
        remember(token, control: client)
        reactor.armTimer(slot: token.slot, afterNanoseconds: Self.dataAcceptTimeoutNanoseconds)
        return port
    }

    /// Keeps `token` among the control connection's data sockets (pruning closed ones).
    private func remember(_ token: ReactorToken, control client: UInt32) {
        guard let state = ftpControls[client] else { return }
        state.dataConnections.removeAll { !slots.isCurrent($0) }
        state.dataConnections.append(token)
    }

    /// The data listener's edge: the first connection from the expected peer is taken and the
    /// listener closed; others are closed and counted.
    func acceptDataConnection(listener: UInt32, reactor: Reactor<ProxyWorker>) {
        while true {
            switch Socket.accept(Int32(bitPattern: listener)) {
            case .accepted(let fd, let peer):
                let entry = slots[listener]
                guard peer.ip == entry.client.ip else {
                    counters.increment(.ftpDataWrongPeer)
                    _ = Glibc.close(fd)
                    continue
                }
                closeDataListener(listener, reactor: reactor)
                startDataConnection(fd, peer: peer, listener: entry, reactor: reactor)
                return
            case .wouldBlock:
                return
            case .descriptorLimit, .failed:
                counters.increment(.acceptErrors)
                closeDataListener(listener, reactor: reactor)
                return
            }
        }
    }

    func closeDataListener(_ listener: UInt32, reactor: Reactor<ProxyWorker>) {
        reactor.cancelTimer(slot: listener)
        if let entry = slots.release(slot: listener) { reactor.close(entry.token) }
    }

    /// The accepted data socket becomes the "client" slot of a pair whose other socket connects
    /// to the listener's target; the pair then moves bytes like any proxied connection.
    private func startDataConnection(
        _ fd: Int32, peer: SocketAddress, listener: ProxySlot, reactor: Reactor<ProxyWorker>
    ) {
        let control = listener.control
        guard slots.isCurrent(listener.controlToken), ftpControls[control] != nil,
            let token = try? reactor.register(fd, interest: .connection)
        else {
            _ = Glibc.close(fd)
            return
        }
        var slot = ProxySlot()
        slot.kind = .client
        slot.token = token
        slot.ref = listener.ref
        slot.ownsRelatedEntry = listener.ownsRelatedEntry
        slot.service = slots[control].service
        slot.client = peer
        slot.connecting = true
        slot.attempts = 1
        slot.lastActivity = reactor.now.nanoseconds
        slot.transfer.splicing = configuration.splice == .always
        // A control connection from the client's own address has its data connections so too.
        slot.transparentSource = !listener.swapped && slots[control].transparentSource
        slot.control = control
        slot.controlToken = listener.controlToken
        slot.swapped = listener.swapped
        if slot.ownsRelatedEntry {
            // Passive: the client's port is learnt now; active: the entry has it from PORT/EPRT.
            let status = shared.withDirector {
                $0.adoptRelatedConnection(listener.ref, clientPort: peer.port, now: reactor.now)
            }
            if status == .gone {
                // Expired meanwhile: the pair counts on the control entry, as without an entry.
                slot.ownsRelatedEntry = false
                slot.ref = slots[control].ref
            }
        }
        guard slots.occupy(token.slot, with: slot) != nil else {
            reactor.close(token)
            return
        }
        remember(token, control: control)
        counters.increment(.ftpDataConnections)
        connect(token.slot, to: listener.dataTarget, reactor: reactor)
    }

    /// The control connection in `client` ends: its data listeners and connections end with it.
    func closeDataConnections(of client: UInt32, reactor: Reactor<ProxyWorker>) {
        guard let state = ftpControls.removeValue(forKey: client) else { return }
        for token in state.dataConnections where slots.isCurrent(token) {
            switch slots[token.slot].kind {
            case .ftpDataListener:
                closeDataListener(token.slot, reactor: reactor)
            case .client:
                finish(token.slot, reset: nil, reactor: reactor)
            case .vacant, .tcpListener, .udpListener, .server, .udpUpstream, .tick:
                break
            }
        }
    }

    /// The related entry of a data listener (reference §6, as the packet engine's helper makes
    /// them): passive — client = the control's client with its port learnt at accept, virtual
    /// port = our listener's, real server port = the one the 227/229 named; active — client = the
    /// address and port PORT/EPRT named, virtual and real-server ports the control's minus one
    /// (the FTP data port, 20 for 21). Nil when the control entry is gone or the table is full:
    /// the data connection then counts on the control entry.
    private func makeDataEntry(
        control: ConnectionRef, listenerPort: UInt16, target: SocketAddress, active: Bool, now: MonotonicInstant
    ) -> ConnectionRef? {
        shared.withDirector { director -> ConnectionRef? in
            guard let entry = director.helperConnection(control) else { return nil }
            let outcome: RelatedConnectionOutcome
            if active {
                guard entry.virtualPort > 1, entry.serverPort > 1 else { return nil }
                outcome = director.createRelatedConnection(
                    controlledBy: control, client: target.ip, clientPort: target.port,
                    virtualPort: entry.virtualPort - 1, serverPort: entry.serverPort - 1, now: now)
            } else {
                outcome = director.createRelatedConnection(
                    controlledBy: control, client: entry.clientAddress, clientPort: 0, virtualPort: listenerPort,
                    serverPort: target.port, now: now)
            }
            switch outcome {
            case .created(let ref): return ref
            case .existing, .controlGone, .tableFull: return nil
            }
        }
    }

    /// A data connection closed: its last traffic, then its own entry's close (it lingers for
    /// its state's timeout, as every proxied connection), or the traffic on the control entry.
    func dataConnectionClosed(
        _ ref: ConnectionRef, ownsEntry: Bool, reset: ConnectionSide?, traffic: Traffic, now: MonotonicInstant
    ) {
        shared.withDirector {
            if traffic.inPackets | traffic.inBytes | traffic.outPackets | traffic.outBytes != 0 {
                _ = $0.recordTraffic(
                    ref, inPackets: traffic.inPackets, inBytes: traffic.inBytes, outPackets: traffic.outPackets,
                    outBytes: traffic.outBytes, now: now)
            }
            guard ownsEntry else { return }
            if let reset { $0.connectionReset(ref, reset, now: now) } else { $0.connectionClosed(ref, now: now) }
        }
    }

    /// `collectTraffic` for an active-mode data connection, whose "client" slot is the real
    /// server's socket: bytes and segments from it go to the client (out), and the reverse.
    func collectSwappedTraffic(_ client: UInt32) {
        let entry = slots[client]
        var fromClient: UInt64 = 0
        if entry.partner != .max, slots.isCurrent(entry.partnerToken) {
            fromClient = slots[entry.partner].unreportedBytes
            slots[entry.partner].unreportedBytes = 0
        }
        slots[client].unreportedOutBytes &+= entry.unreportedBytes
        slots[client].unreportedBytes = fromClient
        if let info = try? Socket.tcpInfo(Int32(bitPattern: client)) {
            slots[client].unreportedOutPackets &+= UInt64(info.segmentsIn &- entry.reportedSegmentsIn)
            slots[client].unreportedInPackets &+= UInt64(info.segmentsOut &- entry.reportedSegmentsOut)
            slots[client].reportedSegmentsIn = info.segmentsIn
            slots[client].reportedSegmentsOut = info.segmentsOut
        }
        slots[client].dirty = false
    }
}
