/// What a simulated host is for; it decides its users, services and everyday commands.
enum HostRole: CaseIterable {
    case web, database, build, bastion, kubernetes, application

    var namePrefix: String {
        switch self {
        case .web: "web"
        case .database: "db"
        case .build: "build"
        case .bastion: "bastion"
        case .kubernetes: "k8s-node"
        case .application: "app"
        }
    }

    /// User names besides `root`.
    var users: [String] {
        switch self {
        case .web: ["www-data", "deploy"]
        case .database: ["postgres", "dba"]
        case .build: ["jenkins", "builder"]
        case .bastion: ["alice", "bob", "carol", "dave"]
        case .kubernetes: ["kube", "ops"]
        case .application: ["app", "deploy"]
        }
    }

    /// Long-running services: executable, arguments, index of the user running them (0 is root).
    var services: [(executable: String, args: [String], user: Int)] {
        switch self {
        case .web: [("/usr/sbin/nginx", ["-g", "daemon off;"], 0), ("/usr/bin/python3", ["/opt/app/venv/bin/gunicorn", "app.wsgi", "-w", "4"], 1)]
        case .database: [("/usr/lib/postgresql/15/bin/postgres", ["-D", "/var/lib/postgresql/15/main"], 1)]
        case .build: [("/usr/bin/java", ["-jar", "/usr/share/jenkins/jenkins.war", "--httpPort=8080"], 1)]
        case .bastion: [("/usr/sbin/rsyslogd", ["-n"], 0)]
        case .kubernetes: [("/usr/bin/kubelet", ["--config=/var/lib/kubelet/config.yaml"], 0), ("/usr/bin/containerd", [], 0)]
        case .application: [("/usr/bin/java", ["-Xmx2g", "-jar", "/opt/app/app.jar"], 1), ("/usr/bin/node", ["/opt/app/server.js"], 2)]
        }
    }
}

/// A Linux distribution as Elastic Defend reports it under `host.os`.
struct OperatingSystem {
    let name: String
    let family: String
    let platform: String
    let version: String
    let kernel: String

    static let all = [
        OperatingSystem(name: "Ubuntu", family: "debian", platform: "ubuntu", version: "22.04.4 LTS (Jammy Jellyfish)", kernel: "5.15.0-105-generic"),
        OperatingSystem(name: "Ubuntu", family: "debian", platform: "ubuntu", version: "24.04.1 LTS (Noble Numbat)", kernel: "6.8.0-45-generic"),
        OperatingSystem(name: "Debian GNU/Linux", family: "debian", platform: "debian", version: "12 (bookworm)", kernel: "6.1.0-21-amd64"),
        OperatingSystem(name: "Red Hat Enterprise Linux", family: "rhel", platform: "rhel", version: "9.3 (Plow)", kernel: "5.14.0-362.24.1.el9_3.x86_64"),
        OperatingSystem(name: "Amazon Linux", family: "rhel", platform: "amzn", version: "2023", kernel: "6.1.82-99.168.amzn2023.x86_64"),
    ]
}

/// One simulated Linux host running Elastic Defend: identity, users, and the processes alive on it
/// that start new ones.
struct SimulatedHost {
    /// A local account.
    struct User {
        let name: String
        let id: String
        let groupID: String
    }

    let id: String
    let name: String
    let role: HostRole
    let os: OperatingSystem
    let agentID: String
    let ip: String
    let users: [User]
    /// Processes that start children; the first `permanentSpawners` never exit.
    private(set) var spawners: [SimulatedProcess] = []
    private var permanentSpawners = 0
    /// Recently started processes, which may be seen exiting.
    private var recent: [SimulatedProcess] = []
    private var nextPID: Int
    /// The most processes that start children kept alive beyond the permanent ones.
    static let spawnerCapacity = 24

    init(index: Int, random: inout SeededRandom, start: Int64) {
        role = HostRole.allCases[index % HostRole.allCases.count]
        name = "\(role.namePrefix)-\(String(index / HostRole.allCases.count + 1).leftPadded(to: 4))"
        id = random.hexIdentifier(32)
        agentID = random.hexIdentifier(32)
        os = random.element(of: OperatingSystem.all)
        ip = "10.\(20 + index / 65_025 % 200).\(index / 255 % 255).\(index % 255 + 1)"
        users = [User(name: "root", id: "0", groupID: "0")] + role.users.enumerated().map { offset, name in
            User(name: name, id: String(1000 + offset), groupID: String(1000 + offset))
        }
        nextPID = random.integer(in: 300 ... 900)
        boot(random: &random, start: start)
    }

    /// The processes every host has from boot: systemd, cron, sshd, the role's services, and one
    /// or two logged-in shells.
    private mutating func boot(random: inout SeededRandom, start: Int64) {
        let systemd = SimulatedProcess(entityID: random.hexIdentifier(32), pid: 1, executable: "/usr/lib/systemd/systemd",
                                       args: ["--system", "--deserialize", "31"], user: 0, kind: .scheduler, workingDirectory: "/",
                                       start: start, parent: nil, leadsSession: true, entryType: "init")
        let cron = spawnProcess(CommandTemplate("/usr/sbin/cron", ["-f"], kind: .scheduler), user: 0, parent: systemd, random: &random, time: start)
        let sshd = spawnProcess(CommandTemplate("/usr/sbin/sshd", ["-D"], kind: .remoteAccess), user: 0, parent: systemd, random: &random, time: start)
        spawners = [systemd, cron, sshd]
        for service in role.services {
            let template = CommandTemplate(service.executable, service.args, kind: .service, cwd: "/")
            spawners.append(spawnProcess(template, user: service.user, parent: systemd, random: &random, time: start))
        }
        permanentSpawners = spawners.count
        for _ in 0 ..< random.integer(in: 1 ... 2) { spawners.append(login(random: &random, time: start)) }
    }

    /// A login over SSH: a new session whose entry leader is the `sshd` session process.
    mutating func login(random: inout SeededRandom, time: Int64) -> SimulatedProcess {
        let user = random.integer(in: 0 ... users.count - 1)
        let session = SimulatedProcess(entityID: random.hexIdentifier(32), pid: allocatePID(&random),
                                       executable: "/usr/sbin/sshd", args: ["-D", "-R"], user: 0, kind: .remoteAccess,
                                       workingDirectory: "/", start: time, parent: spawners[2], leadsSession: true, entryType: "sshd")
        return SimulatedProcess(entityID: random.hexIdentifier(32), pid: allocatePID(&random), executable: "/usr/bin/bash",
                                args: ["-l"], user: user, kind: .shell, workingDirectory: user == 0 ? "/root" : "/home/\(users[user].name)",
                                start: time, parent: session, leadsSession: true)
    }

    /// Starts `template` as a child of `parent` at `time`.
    mutating func spawnProcess(_ template: CommandTemplate, user: Int, parent: SimulatedProcess, random: inout SeededRandom,
                               time: Int64) -> SimulatedProcess {
        let cwd = template.workingDirectory ?? parent.workingDirectory
        return SimulatedProcess(entityID: random.hexIdentifier(32), pid: allocatePID(&random), executable: template.executable,
                                args: template.resolvedArgs(using: &random), user: user, kind: template.kind,
                                workingDirectory: cwd, start: time, parent: parent,
                                leadsSession: template.kind == .shell && parent.kind != .shell)
    }

    /// A child for `parent` of everyday activity, chosen by what kind of process `parent` is.
    mutating func everydayChild(of parent: SimulatedProcess, random: inout SeededRandom, time: Int64) -> SimulatedProcess {
        let template: CommandTemplate
        var user = parent.user
        switch parent.kind {
        case .shell where parent.interactive:
            template = random.chance(0.85) ? random.element(of: CommandCatalog.interactive) : random.element(of: CommandCatalog.roleCommands(of: role))
        case .shell:
            template = random.element(of: CommandCatalog.scripted)
        case .scheduler:
            template = random.element(of: CommandCatalog.scheduled)
        case .service:
            template = random.element(of: CommandCatalog.serviceChildren(of: role))
        case .remoteAccess:
            return login(random: &random, time: time)
        case .leaf:
            template = random.element(of: CommandCatalog.scripted)
        }
        if parent.kind == .scheduler, random.chance(0.3) { user = random.integer(in: 0 ... users.count - 1) }
        return spawnProcess(template, user: user, parent: parent, random: &random, time: time)
    }

    /// Picks a live process to start the next child: shells most often.
    mutating func pickSpawner(random: inout SeededRandom) -> SimulatedProcess {
        if random.chance(0.55), spawners.count > permanentSpawners {
            return spawners[permanentSpawners + random.index(below: spawners.count - permanentSpawners)]
        }
        return random.element(of: spawners)
    }

    /// Remembers a new process: one that starts children joins the spawners (replacing a random
    /// non-permanent one when full); any other may later be seen exiting.
    mutating func remember(_ process: SimulatedProcess, random: inout SeededRandom) {
        if process.kind != .leaf, process.depth < 8 {
            if spawners.count < permanentSpawners + Self.spawnerCapacity {
                spawners.append(process)
            } else {
                spawners[permanentSpawners + random.index(below: Self.spawnerCapacity)] = process
            }
        } else if recent.count < 8 {
            recent.append(process)
        } else {
            recent[random.index(below: 8)] = process
        }
    }

    /// A recently started process to report exiting, removed from the recent ones.
    mutating func takeExitingProcess(random: inout SeededRandom) -> SimulatedProcess? {
        guard !recent.isEmpty else { return nil }
        return recent.remove(at: random.index(below: recent.count))
    }

    /// A fresh process id.
    mutating func allocatePID(_ random: inout SeededRandom) -> Int {
        nextPID += random.integer(in: 1 ... 40)
        if nextPID > 4_194_304 { nextPID = 1000 }
        return nextPID
    }
}

extension String {
    /// The string left-padded with zeros to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
