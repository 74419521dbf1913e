/// A process alive on a simulated host: what its own events and its children's `process.parent.*`
/// fields show.
///
/// A class, so a child refers to its parent without copying it.
final class SimulatedProcess {
    /// What kind of children a process starts.
    enum Kind {
        /// A shell (`bash`, `sh`, `zsh`): interactive commands and scripts.
        case shell
        /// `cron`, `systemd`: scheduled jobs and services.
        case scheduler
        /// A long-running service (`python3` worker, `java`, `postgres`): helpers of its role.
        case service
        /// `sshd`: login shells.
        case remoteAccess
        /// Starts nothing.
        case leaf
    }

    /// The identity of a session or entry leader, as `process.session_leader` / `entry_leader` show it.
    struct Leader {
        let entityID: String
        let pid: Int
        let name: String
    }

    let entityID: String
    let pid: Int
    let executable: String
    let name: String
    let args: [String]
    let commandLine: String
    /// Index into the host's users.
    let user: Int
    let kind: Kind
    let workingDirectory: String
    let interactive: Bool
    /// Event time the process started (nanoseconds).
    let start: Int64
    let parent: SimulatedProcess?
    let sessionLeader: Leader
    let entryLeader: Leader
    /// How the session was entered (`process.entry_leader.entry_meta.type`): `init`, `sshd`, `terminal`.
    let entryType: String
    /// How many ancestors the process has.
    let depth: Int

    /// A process started by `parent` (or a root process when `parent` is `nil`). A process that
    /// `leadsSession` becomes its children's session leader; one given an `entryType` also becomes
    /// their entry leader.
    init(entityID: String, pid: Int, executable: String, args: [String], user: Int, kind: Kind,
         workingDirectory: String, start: Int64, parent: SimulatedProcess?, leadsSession: Bool = false,
         entryType: String? = nil) {
        self.entityID = entityID
        self.pid = pid
        self.executable = executable
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        self.name = name
        self.args = [executable] + args
        self.commandLine = self.args.joined(separator: " ")
        self.user = user
        self.kind = kind
        self.workingDirectory = workingDirectory
        self.start = start
        self.parent = parent
        self.depth = (parent?.depth ?? -1) + 1
        let itself = Leader(entityID: entityID, pid: pid, name: name)
        self.entryType = entryType ?? parent?.entryType ?? "init"
        self.interactive = self.entryType == "sshd" && kind == .shell || (parent?.interactive ?? false) && kind != .service
        sessionLeader = leadsSession || parent == nil ? itself : parent!.sessionLeader
        entryLeader = entryType != nil || parent == nil ? itself : parent!.entryLeader
    }
}
