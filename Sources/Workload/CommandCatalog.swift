/// A command a simulated process may start: the executable, its arguments, and what kind of
/// process it becomes.
///
/// An argument containing `%N` gets a random number, `%H` eight random hex digits, so repeated
/// commands are not byte-identical.
struct CommandTemplate {
    let executable: String
    let args: [String]
    let kind: SimulatedProcess.Kind
    let workingDirectory: String?

    init(_ executable: String, _ args: [String] = [], kind: SimulatedProcess.Kind = .leaf, cwd: String? = nil) {
        self.executable = executable
        self.args = args
        self.kind = kind
        self.workingDirectory = cwd
    }

    /// The arguments with their placeholders filled in.
    func resolvedArgs(using random: inout SeededRandom) -> [String] {
        args.map { argument in
            guard argument.contains("%") else { return argument }
            var text = argument
            while let range = text.range(of: "%N") { text.replaceSubrange(range, with: String(random.integer(in: 1 ... 999))) }
            while let range = text.range(of: "%H") { text.replaceSubrange(range, with: random.hexIdentifier(8)) }
            return text
        }
    }
}

/// Commands of everyday Linux administration and services, by who starts them.
enum CommandCatalog {
    /// What people type in interactive shells on any host.
    static let interactive: [CommandTemplate] = [
        CommandTemplate("/usr/bin/ls", ["-la", "/var/log"]), CommandTemplate("/usr/bin/ls", ["-lh"]),
        CommandTemplate("/usr/bin/cat", ["/etc/os-release"]), CommandTemplate("/usr/bin/cat", ["/proc/meminfo"]),
        CommandTemplate("/usr/bin/grep", ["-r", "error", "/var/log/syslog"]), CommandTemplate("/usr/bin/grep", ["-i", "timeout", "app.log"]),
        CommandTemplate("/usr/bin/ps", ["aux"]), CommandTemplate("/usr/bin/ps", ["-ef", "--forest"]), CommandTemplate("/usr/bin/top", ["-b", "-n", "1"]),
        CommandTemplate("/usr/bin/df", ["-h"]), CommandTemplate("/usr/bin/du", ["-sh", "/var/lib/docker"]), CommandTemplate("/usr/bin/free", ["-m"]),
        CommandTemplate("/usr/bin/tail", ["-n", "200", "/var/log/syslog"]), CommandTemplate("/usr/bin/less", ["/var/log/auth.log"]),
        CommandTemplate("/usr/bin/vim", ["/etc/hosts.allow"]), CommandTemplate("/usr/bin/git", ["status"]), CommandTemplate("/usr/bin/git", ["log", "--oneline", "-n", "20"]),
        CommandTemplate("/usr/bin/curl", ["-s", "https://internal.example.com/health"]), CommandTemplate("/usr/bin/systemctl", ["status", "nginx"]),
        CommandTemplate("/usr/bin/journalctl", ["-u", "ssh", "--since", "-1h"]), CommandTemplate("/usr/bin/ssh", ["deploy@10.20.%N.%N"]),
        CommandTemplate("/usr/bin/find", [".", "-name", "*.log", "-mtime", "-1"]), CommandTemplate("/usr/bin/id"), CommandTemplate("/usr/bin/whoami"),
        CommandTemplate("/usr/bin/uptime"), CommandTemplate("/usr/sbin/ip", ["addr", "show"]), CommandTemplate("/usr/bin/ss", ["-tlnp"]),
        CommandTemplate("/usr/bin/uname", ["-a"]), CommandTemplate("/usr/bin/date"), CommandTemplate("/usr/bin/hostname"),
        CommandTemplate("/usr/bin/sudo", ["systemctl", "restart", "app-%N"]), CommandTemplate("/usr/bin/python3", ["manage.py", "shell"], kind: .service),
        CommandTemplate("/usr/bin/bash", [], kind: .shell), CommandTemplate("/usr/bin/watch", ["-n", "5", "uptime"]),
        CommandTemplate("/usr/bin/openssl", ["x509", "-in", "/etc/ssl/certs/site.pem", "-noout", "-enddate"]),
        CommandTemplate("/usr/bin/sha256sum", ["release-%H.tgz"]), CommandTemplate("/usr/bin/tar", ["-xzf", "release-%H.tgz"]),
    ]

    /// What cron and systemd start: maintenance jobs and the shells that run scripts.
    static let scheduled: [CommandTemplate] = [
        CommandTemplate("/bin/sh", ["-c", "/usr/local/bin/backup.sh"], kind: .shell, cwd: "/root"),
        CommandTemplate("/bin/sh", ["-c", "run-parts --report /etc/cron.hourly"], kind: .shell),
        CommandTemplate("/bin/sh", ["-c", "/usr/local/sbin/rotate-app-logs.sh >/dev/null 2>&1"], kind: .shell),
        CommandTemplate("/usr/sbin/logrotate", ["/etc/logrotate.conf"]), CommandTemplate("/usr/bin/find", ["/tmp", "-mtime", "+7", "-delete"]),
        CommandTemplate("/usr/bin/systemd-tmpfiles", ["--clean"]), CommandTemplate("/usr/sbin/fstrim", ["-av"]),
        CommandTemplate("/usr/bin/updatedb"), CommandTemplate("/usr/bin/certbot", ["renew", "--quiet"]),
        CommandTemplate("/usr/bin/apt-get", ["-qq", "update"]), CommandTemplate("/usr/lib/apt/apt.systemd.daily", ["update"]),
        CommandTemplate("/usr/bin/python3", ["/opt/monitoring/collect.py", "--interval", "60"], kind: .service),
    ]

    /// What scripts (non-interactive shells) run.
    static let scripted: [CommandTemplate] = [
        CommandTemplate("/usr/bin/tar", ["-czf", "/backup/www-%N.tgz", "/var/www"]), CommandTemplate("/usr/bin/gzip", ["-9", "/var/log/app/app.log.1"]),
        CommandTemplate("/usr/bin/rsync", ["-az", "/backup/", "backup01:/srv/backup/"]), CommandTemplate("/usr/bin/sleep", ["30"]),
        CommandTemplate("/usr/bin/date", ["+%Y%m%d"]), CommandTemplate("/usr/bin/mkdir", ["-p", "/backup/%N"]), CommandTemplate("/usr/bin/rm", ["-f", "/tmp/lock-%H"]),
        CommandTemplate("/usr/bin/cp", ["/etc/app/app.conf", "/backup/app.conf"]), CommandTemplate("/usr/bin/sed", ["-i", "s/debug/info/", "/etc/app/app.conf"]),
        CommandTemplate("/usr/bin/awk", ["{print $1}", "/var/log/nginx/access.log"]), CommandTemplate("/usr/bin/cat", ["/var/run/app.pid"]),
        CommandTemplate("/usr/bin/curl", ["-fsS", "-m", "10", "https://hc-ping.example.com/%H"]), CommandTemplate("/usr/bin/run-parts", ["--report", "/etc/cron.hourly"]),
        CommandTemplate("/usr/bin/flock", ["-n", "/tmp/job.lock", "true"]), CommandTemplate("/usr/bin/basename", ["/var/log/app/app.log"]),
    ]

    /// What services start, by host role.
    static func serviceChildren(of role: HostRole) -> [CommandTemplate] {
        switch role {
        case .web:
            [CommandTemplate("/usr/bin/convert", ["upload-%H.png", "-resize", "256x256", "thumb-%H.png"], cwd: "/var/www/media"),
             CommandTemplate("/bin/sh", ["-c", "/usr/sbin/sendmail -t -i"], kind: .shell), CommandTemplate("/usr/bin/git", ["fetch", "--quiet"]),
             CommandTemplate("/usr/sbin/nginx", ["-s", "reload"]), CommandTemplate("/usr/bin/php", ["/var/www/artisan", "schedule:run"])]
        case .database:
            [CommandTemplate("/bin/sh", ["-c", "cp pg_wal/%H /archive/%H"], kind: .shell, cwd: "/var/lib/postgresql/15/main"),
             CommandTemplate("/usr/lib/postgresql/15/bin/pg_dump", ["-Fc", "appdb"]), CommandTemplate("/usr/bin/psql", ["-c", "VACUUM ANALYZE"]),
             CommandTemplate("/usr/lib/postgresql/15/bin/pg_basebackup", ["-D", "/backup/base", "-Ft", "-z"])]
        case .build:
            [CommandTemplate("/usr/bin/git", ["clone", "--depth", "1", "git@git.example.com:team/app-%N.git"]), CommandTemplate("/usr/bin/make", ["-j4"]),
             CommandTemplate("/usr/bin/gcc", ["-O2", "-c", "src/module%N.c", "-o", "build/module%N.o"]), CommandTemplate("/usr/bin/ld", ["-o", "build/app", "build/main.o"]),
             CommandTemplate("/usr/bin/mvn", ["-B", "package", "-DskipTests"]), CommandTemplate("/usr/bin/npm", ["ci", "--no-audit"]),
             CommandTemplate("/usr/bin/docker", ["build", "-t", "registry.example.com/app:%H", "."]), CommandTemplate("/bin/sh", ["-c", "./gradlew test"], kind: .shell)]
        case .bastion:
            [CommandTemplate("/usr/sbin/sshd", ["-D", "-R"]), CommandTemplate("/usr/bin/logger", ["-t", "session", "opened"])]
        case .kubernetes:
            [CommandTemplate("/usr/bin/runc", ["--root", "/run/containerd/runc/k8s.io", "state", "%H"]), CommandTemplate("/usr/sbin/iptables", ["-w", "-t", "nat", "-S"]),
             CommandTemplate("/usr/bin/mount", ["-t", "tmpfs", "tmpfs", "/var/lib/kubelet/pods/%H/volumes"]), CommandTemplate("/usr/bin/umount", ["/var/lib/kubelet/pods/%H/volumes"]),
             CommandTemplate("/usr/sbin/conntrack", ["-L"]), CommandTemplate("/usr/bin/containerd-shim-runc-v2", ["-namespace", "k8s.io", "-id", "%H"], kind: .service)]
        case .application:
            [CommandTemplate("/bin/sh", ["-c", "/opt/app/bin/healthcheck"], kind: .shell), CommandTemplate("/usr/bin/curl", ["-s", "http://127.0.0.1:8080/metrics"]),
             CommandTemplate("/usr/bin/java", ["-Xmx512m", "-jar", "/opt/app/batch.jar", "--job", "report-%N"]), CommandTemplate("/usr/bin/node", ["/opt/app/worker.js"])]
        }
    }

    /// What people type in shells on hosts of `role`, beyond the common commands.
    static func roleCommands(of role: HostRole) -> [CommandTemplate] {
        switch role {
        case .web: [CommandTemplate("/usr/sbin/nginx", ["-t"]), CommandTemplate("/usr/bin/tail", ["-f", "/var/log/nginx/error.log"])]
        case .database: [CommandTemplate("/usr/bin/psql", ["-U", "postgres", "-c", "SELECT 1"]), CommandTemplate("/usr/bin/du", ["-sh", "/var/lib/postgresql"])]
        case .build: [CommandTemplate("/usr/bin/docker", ["ps"]), CommandTemplate("/usr/bin/make", ["clean"])]
        case .bastion: [CommandTemplate("/usr/bin/ssh", ["-J", "bastion", "admin@10.30.%N.%N"]), CommandTemplate("/usr/bin/scp", ["report.csv", "alice@10.30.1.%N:"])]
        case .kubernetes: [CommandTemplate("/usr/bin/crictl", ["ps"]), CommandTemplate("/usr/bin/kubectl", ["get", "pods", "-n", "kube-system"])]
        case .application: [CommandTemplate("/usr/bin/java", ["-version"]), CommandTemplate("/usr/bin/systemctl", ["restart", "app"])]
        }
    }
}
