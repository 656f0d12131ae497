import LVSControl

// PLACEHOLDER, branch sync-adm only: the lead deletes this file at merge; the real
// `syncReport()` lives in DirectorHost+Sync.swift, next to the sync service.
extension DirectorHost {
    /// What `getSync` answers (`lvsadm --sync`): no daemon runs until the sync service exists.
    func syncReport() -> SyncReport {
        SyncReport(daemons: [], authenticated: false, version: 1, entries: [:])
    }
}
