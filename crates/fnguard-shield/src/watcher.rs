//! The environment watcher: after each invocation, what persists in the execution environment
//! that was not there when it started — executables under /tmp (FG952), processes that outlived
//! their invocation (FG953), outbound connections outside the allow-list (FG954), changed code
//! (FG955). Each alarm is raised once. Work per check is bounded (entries walked, files
//! compared) so that the check stays well under its 2 ms budget on a normal sandbox.

use crate::config::{Config, Egress};
use crate::telemetry::ShieldRule;
use fnguard_model::Severity;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const MAX_TMP_ENTRIES: usize = 10_000;
const MAX_CODE_FILES: usize = 50_000;
/// Code files re-checked per invocation; a full pass over a large package takes several.
const CODE_FILES_PER_CHECK: usize = 512;
const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub rule: ShieldRule,
    pub severity: Severity,
    pub message: String,
    /// What makes this alarm unique (raised once per key).
    pub key: String,
    pub evidence: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sig {
    len: u64,
    mtime: i64,
    mtime_ns: i64,
    ino: u64,
    mode: u32,
}

impl Sig {
    fn of(m: &std::fs::Metadata) -> Sig {
        Sig {
            len: m.len(),
            mtime: m.mtime(),
            mtime_ns: m.mtime_nsec(),
            ino: m.ino(),
            mode: m.permissions().mode(),
        }
    }
}

/// An allowed address resolved from a host name, with its port if the entry named one.
type AllowedAddr = (IpAddr, Option<u16>);

pub struct Watcher {
    tmp_dirs: Vec<PathBuf>,
    tmp_seen: HashMap<PathBuf, Sig>,
    code: Vec<(PathBuf, Sig)>,
    code_cursor: usize,
    proc_root: PathBuf,
    group_only: bool,
    own_pid: u32,
    own_group: Option<u32>,
    baseline_pids: HashSet<u32>,
    allow_processes: Vec<String>,
    allow_nets: Vec<Egress>,
    resolved_hosts: Arc<Mutex<Vec<AllowedAddr>>>,
    allow_any_https: bool,
    /// Loopback ports of the Lambda service and the shield itself.
    service_ports: Vec<u16>,
    raised: HashSet<String>,
    /// Socket inodes held by the watched processes at the previous check.
    known_sockets: HashSet<u64>,
}

impl Watcher {
    /// Takes the baseline: what exists when the first invocation arrives is the environment as
    /// Lambda and the function's init built it.
    pub fn baseline(cfg: &Config, service_ports: Vec<u16>) -> Watcher {
        let proc_root = PathBuf::from(&cfg.proc_root);
        let own_pid = std::process::id();
        let own_group = read_stat(&proc_root, own_pid).map(|s| s.group);
        let mut w = Watcher {
            tmp_dirs: cfg.watch_tmp.iter().map(PathBuf::from).collect(),
            tmp_seen: HashMap::new(),
            code: Vec::new(),
            code_cursor: 0,
            proc_root,
            group_only: cfg.proc_group_only,
            own_pid,
            own_group,
            baseline_pids: HashSet::new(),
            allow_processes: cfg.allow_processes.clone(),
            allow_nets: cfg
                .allow_hosts
                .iter()
                .filter(|e| matches!(e, Egress::Net { .. }))
                .cloned()
                .collect(),
            resolved_hosts: Arc::new(Mutex::new(Vec::new())),
            allow_any_https: cfg.allow_any_https,
            service_ports,
            raised: HashSet::new(),
            known_sockets: HashSet::new(),
        };
        for dir in w.tmp_dirs.clone() {
            walk(&dir, MAX_TMP_ENTRIES, &mut |p, m| {
                w.tmp_seen.insert(p.to_path_buf(), Sig::of(m));
            });
        }
        for dir in &cfg.watch_code {
            walk(Path::new(dir), MAX_CODE_FILES, &mut |p, m| {
                w.code.push((p.to_path_buf(), Sig::of(m)));
            });
        }
        let pids = w.scoped_pids();
        w.baseline_pids = pids.iter().map(|(pid, _)| *pid).collect();
        // Connections open at the baseline (the runtime's to the proxy) are checked once too.
        let mut ignored = Vec::new();
        w.check_connections(&pids, &mut ignored);
        for a in ignored {
            w.raised.insert(a.key);
        }
        w.resolve_hosts(cfg);
        w
    }

    /// Host names are resolved off the invocation path; until the answer comes, connections to
    /// them count as outside the list (reported, never blocked).
    fn resolve_hosts(&self, cfg: &Config) {
        let hosts: Vec<(String, Option<u16>)> = cfg
            .allow_hosts
            .iter()
            .filter_map(|e| match e {
                Egress::Host { name, port } => Some((name.clone(), *port)),
                Egress::Net { .. } => None,
            })
            .collect();
        if hosts.is_empty() {
            return;
        }
        let out = self.resolved_hosts.clone();
        std::thread::spawn(move || {
            use std::net::ToSocketAddrs;
            for (name, port) in hosts {
                if let Ok(addrs) = (name.as_str(), port.unwrap_or(443)).to_socket_addrs() {
                    let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
                    o.extend(addrs.map(|a| (a.ip(), port)));
                }
            }
        });
    }

    pub fn check(&mut self) -> Vec<Alarm> {
        let mut alarms = Vec::new();
        self.check_tmp(&mut alarms);
        let pids = self.scoped_pids();
        self.check_processes(&pids, &mut alarms);
        self.check_connections(&pids, &mut alarms);
        self.check_code(&mut alarms);
        alarms.retain(|a| self.raised.insert(a.key.clone()));
        alarms
    }

    fn check_tmp(&mut self, alarms: &mut Vec<Alarm>) {
        let mut current: Vec<(PathBuf, Sig)> = Vec::new();
        for dir in &self.tmp_dirs {
            walk(dir, MAX_TMP_ENTRIES, &mut |p, m| {
                current.push((p.to_path_buf(), Sig::of(m)));
            });
        }
        for (path, sig) in current {
            let changed = self.tmp_seen.get(&path) != Some(&sig);
            self.tmp_seen.insert(path.clone(), sig);
            if !changed {
                continue;
            }
            let exec_bits = sig.mode & 0o111 != 0;
            let magic = exec_magic(&path);
            if exec_bits || magic.is_some() {
                let why = match (exec_bits, magic) {
                    (true, Some(m)) => format!("executable ({m})"),
                    (true, None) => "executable bit set".to_string(),
                    (false, Some(m)) => format!("{m} without the executable bit"),
                    (false, None) => String::new(),
                };
                alarms.push(Alarm {
                    rule: ShieldRule::TmpExecutable,
                    severity: Severity::High,
                    message: format!(
                        "new or changed executable `{}` ({why}, {} bytes)",
                        path.display(),
                        sig.len
                    ),
                    key: format!("tmp:{}:{}:{}:{}", path.display(), sig.ino, sig.mtime, sig.mtime_ns),
                    evidence: json!({ "path": path, "size": sig.len, "mode": format!("{:o}", sig.mode & 0o7777) }),
                });
            }
        }
    }

    fn scoped_pids(&self) -> Vec<(u32, Stat)> {
        let Ok(dir) = std::fs::read_dir(&self.proc_root) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Some(stat) = read_stat(&self.proc_root, pid) else {
                continue;
            };
            if self.group_only && Some(stat.group) != self.own_group {
                continue;
            }
            out.push((pid, stat));
        }
        out
    }

    fn check_processes(&self, pids: &[(u32, Stat)], alarms: &mut Vec<Alarm>) {
        for (pid, stat) in pids {
            if *pid == self.own_pid
                || self.baseline_pids.contains(pid)
                || stat.state == 'Z'
                || self.allow_processes.contains(&stat.comm)
            {
                continue;
            }
            let cmdline = std::fs::read(self.proc_root.join(pid.to_string()).join("cmdline"))
                .map(|b| {
                    String::from_utf8_lossy(&b)
                        .split('\0')
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let shown: String = cmdline.chars().take(200).collect();
            alarms.push(Alarm {
                rule: ShieldRule::UnexpectedProcess,
                severity: Severity::High,
                message: format!(
                    "process {pid} `{}` outlived its invocation: {shown}",
                    stat.comm
                ),
                key: format!("proc:{pid}:{}", stat.start),
                evidence: json!({ "pid": pid, "ppid": stat.ppid, "comm": stat.comm, "cmdline": shown }),
            });
        }
    }

    fn check_connections(&mut self, pids: &[(u32, Stat)], alarms: &mut Vec<Alarm>) {
        // Sockets of the watched processes (not the shield's own: its connections are the
        // Lambda APIs, the proxy and the collector). Reading /proc/net/tcp costs milliseconds
        // on a big host (the kernel walks its whole connection table), so it is read only when
        // a process holds a socket that was not there at the previous check.
        let mut current = HashSet::new();
        for (pid, _) in pids.iter().filter(|(p, _)| *p != self.own_pid) {
            let fd_dir = self.proc_root.join(pid.to_string()).join("fd");
            if let Ok(fds) = std::fs::read_dir(fd_dir) {
                for fd in fds.flatten().take(4096) {
                    if let Ok(target) = std::fs::read_link(fd.path()) {
                        let t = target.to_string_lossy();
                        if let Some(n) = t
                            .strip_prefix("socket:[")
                            .and_then(|r| r.strip_suffix(']'))
                            .and_then(|n| n.parse::<u64>().ok())
                        {
                            current.insert(n);
                        }
                    }
                }
            }
        }
        let new: HashSet<u64> = current.difference(&self.known_sockets).copied().collect();
        self.known_sockets = current.clone();
        if new.is_empty() {
            return;
        }
        let resolved = self
            .resolved_hosts
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        let mut conns = Vec::new();
        for file in ["net/tcp", "net/tcp6"] {
            if let Ok(text) = std::fs::read_to_string(self.proc_root.join(file)) {
                conns.extend(
                    parse_tcp(&text)
                        .into_iter()
                        .filter(|c| current.contains(&c.inode)),
                );
            }
        }
        // Connections accepted by a local listener (the Telemetry API posting to the shield, a
        // server the function runs) are inbound, not egress.
        let listening: HashSet<u16> = conns
            .iter()
            .filter(|c| c.state == 0x0A)
            .map(|c| c.local_port)
            .collect();
        {
            for c in conns.into_iter().filter(|c| new.contains(&c.inode)) {
                if !(c.state == 1 || c.state == 2)
                    || c.remote.is_unspecified()
                    || listening.contains(&c.local_port)
                {
                    continue;
                }
                if is_loopback(c.remote) && self.service_ports.contains(&c.remote_port) {
                    continue;
                }
                if self.allow_any_https && c.remote_port == 443 {
                    continue;
                }
                if self.allowed(c.remote, c.remote_port, &resolved) {
                    continue;
                }
                alarms.push(Alarm {
                    rule: ShieldRule::OutboundConnection,
                    severity: Severity::High,
                    message: format!(
                        "connection to {} port {} is outside the allow-list ({})",
                        c.remote,
                        c.remote_port,
                        if c.state == 1 { "established" } else { "connecting" }
                    ),
                    key: format!("tcp:{}:{}:{}", c.remote, c.remote_port, c.inode),
                    evidence: json!({ "remote": c.remote.to_string(), "port": c.remote_port, "local_port": c.local_port }),
                });
            }
        }
    }

    fn allowed(&self, ip: IpAddr, port: u16, resolved: &[(IpAddr, Option<u16>)]) -> bool {
        let port_ok = |p: &Option<u16>| p.is_none_or(|p| p == port);
        self.allow_nets.iter().any(|e| match e {
            Egress::Net { addr, prefix, port } => port_ok(port) && in_net(ip, *addr, *prefix),
            Egress::Host { .. } => false,
        }) || resolved.iter().any(|(a, p)| *a == ip && port_ok(p))
    }

    fn check_code(&mut self, alarms: &mut Vec<Alarm>) {
        let n = self.code.len();
        if n == 0 {
            return;
        }
        for _ in 0..CODE_FILES_PER_CHECK.min(n) {
            let i = self.code_cursor % n;
            self.code_cursor = (self.code_cursor + 1) % n;
            let (path, sig) = &self.code[i];
            let now = std::fs::symlink_metadata(path).ok().map(|m| Sig::of(&m));
            if now.as_ref() == Some(sig) {
                continue;
            }
            let what = match now {
                None => "deleted".to_string(),
                Some(s) if s.len != sig.len => format!("size {} → {}", sig.len, s.len),
                Some(_) => "modified".to_string(),
            };
            alarms.push(Alarm {
                rule: ShieldRule::CodeModified,
                severity: Severity::Critical,
                message: format!(
                    "deployed code `{}` changed at run time ({what})",
                    path.display()
                ),
                key: format!("code:{}", path.display()),
                evidence: json!({ "path": path, "change": what }),
            });
            if let Some(s) = now {
                self.code[i].1 = s;
            }
        }
    }
}

/// Walks a tree without following symbolic links, up to `max` entries.
fn walk(root: &Path, max: usize, each: &mut dyn FnMut(&Path, &std::fs::Metadata)) {
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > max {
                return;
            }
            let path = e.path();
            let Ok(m) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if m.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if m.is_file() {
                each(&path, &m);
            }
        }
    }
}

fn exec_magic(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    match &head[..n] {
        [0x7f, b'E', b'L', b'F'] => Some("ELF binary"),
        [b'#', b'!', ..] => Some("script with #!"),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct Stat {
    comm: String,
    state: char,
    ppid: u32,
    group: u32,
    start: u64,
}

fn read_stat(proc_root: &Path, pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(proc_root.join(pid.to_string()).join("stat")).ok()?;
    // `comm` is in parentheses and may itself contain spaces or parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
    Some(Stat {
        comm,
        state: rest.first()?.chars().next()?,
        ppid: rest.get(1)?.parse().ok()?,
        group: rest.get(2)?.parse().ok()?,
        start: rest.get(19)?.parse().ok()?,
    })
}

#[derive(Debug, Clone, PartialEq)]
struct Conn {
    local_port: u16,
    remote: IpAddr,
    remote_port: u16,
    state: u8,
    inode: u64,
}

fn parse_tcp(text: &str) -> Vec<Conn> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (_, local_port) = parse_addr(cols.get(1)?)?;
            let (remote, remote_port) = parse_addr(cols.get(2)?)?;
            Some(Conn {
                local_port,
                remote,
                remote_port,
                state: u8::from_str_radix(cols.get(3)?, 16).ok()?,
                inode: cols.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// `0100007F:1F91` (IPv4, little-endian words) or 32 hex digits (IPv6, four little-endian words).
fn parse_addr(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(addr, 16).ok()?.swap_bytes(),
        )),
        32 => {
            let mut bytes = [0u8; 16];
            for w in 0..4 {
                let word = u32::from_str_radix(addr.get(w * 8..w * 8 + 8)?, 16).ok()?;
                bytes[w * 4..w * 4 + 4].copy_from_slice(&word.to_le_bytes());
            }
            let v6 = Ipv6Addr::from(bytes);
            match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            }
        }
        _ => return None,
    };
    Some((ip, port))
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_lines_are_decoded() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n   1: 0200000A:C350 FEA9FEA9:0050 01 00000000:00000000 00:00000000 00000000  1000        0 67890 1 0000000000000000 20 4 30 10 -1\n";
        let c = parse_tcp(text);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].local_port, 9001);
        assert_eq!(c[1].remote, "169.254.169.254".parse::<IpAddr>().unwrap());
        assert_eq!(c[1].remote_port, 80);
        assert_eq!(c[1].state, 1);
        assert_eq!(c[1].inode, 67890);
        let v6 = "x\n 0: 00000000000000000000000001000000:1F91 0000000000000000FFFF00000100007F:01BB 01 0:0 0:0 0 0 0 42\n";
        let c = parse_tcp(v6);
        assert_eq!(c[0].remote, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(c[0].remote_port, 443);
    }

    #[test]
    fn networks_match_by_prefix() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_net(ip("10.1.2.3"), ip("10.0.0.0"), 8));
        assert!(!in_net(ip("11.1.2.3"), ip("10.0.0.0"), 8));
        assert!(in_net(ip("fd00::5"), ip("fd00::"), 16));
        assert!(in_net(ip("1.2.3.4"), ip("0.0.0.0"), 0));
    }

    #[test]
    fn stat_parsing_survives_odd_process_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("77")).unwrap();
        std::fs::write(
            dir.path().join("77/stat"),
            "77 (we ird) (x)) S 1 76 77 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 555 1000 10\n",
        )
        .unwrap();
        let s = read_stat(dir.path(), 77).unwrap();
        assert_eq!(s.comm, "we ird) (x)");
        assert_eq!((s.state, s.ppid, s.group, s.start), ('S', 1, 76, 555));
    }
}
