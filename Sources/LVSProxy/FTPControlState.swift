import LVSCore
import LVSReactor

/// An FTP control connection in the proxy engine (docs/design/0007-proxy-engine.md, "FTP"):
/// the addresses its rewrites use, its two line streams, and the data listeners and data
/// connections it opened, closed with it. A class, kept in `ProxyWorker.ftpControls` by the
/// control's client slot: only connections to an FTP port have one.
final class FTPControlState {
    /// The control connection's client: the only peer a passive data listener accepts, and the
    /// only address a PORT/EPRT may name (RFC 2577 §3, FTP bounce).
    let clientAddress: IPAddress
    /// The address the client connected to (the VIP): passive data listeners bind to it and
    /// 227/229 replies name it.
    let virtualAddress: IPAddress
    /// Our address on the control connection's real-server side, learnt at its first 227/229.
    var serverSideAddress: IPAddress?
    /// Client → real server.
    var toServer = FTPLineStream()
    /// Real server → client.
    var toClient = FTPLineStream()
    /// Tokens of the data listeners and data connections (their client slots) opened for this
    /// control connection; stale tokens are skipped and pruned.
    var dataConnections: [ReactorToken] = []

    init(clientAddress: IPAddress, virtualAddress: IPAddress) {
        self.clientAddress = clientAddress
        self.virtualAddress = virtualAddress
    }
}
