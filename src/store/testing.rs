//! A real PostgreSQL server for tests: Debian's `postgresql` binaries run in a
//! temporary directory, by an unprivileged user, on a free loopback port. One
//! server per test process; each test gets a database of its own. The server
//! stops and its directory goes when the test process exits, however it exits
//! (its keeper waits for the test process's end of a pipe to close).
//!
//! Built for the crate's own tests and, with the `interop` feature, for the
//! integration tests and benchmarks. Without the binaries it panics saying what
//! to install: tests that need PostgreSQL never skip.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::Store;

/// A running PostgreSQL server.
pub struct Postgres {
    port: u16,
    /// The keeper shell: the server runs while its standard input stays open.
    _keeper: Mutex<Child>,
}

/// Where Debian puts the server's programs (they are not on `PATH`).
fn server_programs() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("initdb"))
        .find(|initdb| initdb.exists());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin/initdb"))
        .filter(|initdb| initdb.exists())
        .max();
    let initdb = on_path
        .or(debian)
        .expect("PostgreSQL tests need initdb and postgres: install Debian's postgresql package (scripts/test does)");
    let initdb = std::fs::canonicalize(&initdb).unwrap_or(initdb);
    initdb.parent().expect("initdb is in a directory").to_path_buf()
}

/// The user to run the server as: initdb refuses root.
fn server_user() -> Option<&'static str> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the user the process runs as.
    if std::fs::metadata("/proc/self").map_or(1, |m| m.uid()) != 0 {
        return None;
    }
    let has_postgres = Command::new("id").arg("-u").arg("postgres").stdout(Stdio::null()).status();
    Some(if has_postgres.is_ok_and(|s| s.success()) { "postgres" } else { "nobody" })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

impl Postgres {
    /// The test process's server, started on first use.
    pub fn shared() -> &'static Postgres {
        static SERVER: OnceLock<Postgres> = OnceLock::new();
        SERVER.get_or_init(Postgres::start)
    }

    fn start() -> Postgres {
        let bin = server_programs();
        let dir = std::env::temp_dir().join(format!("quotefeed-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let user = server_user();
        if let Some(user) = user {
            let chown = Command::new("chown").arg(user).arg(&dir).status().expect("chown runs");
            assert!(chown.success(), "could not give {} to {user}", dir.display());
        }
        let port = free_port();
        // The keeper: make the cluster, start the server, wait for standard input
        // to close (the test process ended), stop the server, remove everything.
        let script = format!(
            r#"set -e
"{bin}/initdb" -D "{dir}/data" -U quotefeed --auth=trust -E UTF8 --locale=C.UTF-8 >"{dir}/initdb.log" 2>&1 \
  || {{ cat "{dir}/initdb.log" >&2; exit 1; }}
"{bin}/postgres" -D "{dir}/data" -p {port} -k "{dir}" -c listen_addresses=127.0.0.1 -c max_connections=400 \
  -c shared_preload_libraries=pg_stat_statements -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"{dir}/server.log" 2>&1 &
server=$!
echo started
cat >/dev/null || true
kill -INT "$server" 2>/dev/null || true
wait "$server" || true
rm -rf "{dir}"
"#,
            bin = bin.display(),
            dir = dir.display(),
        );
        let mut command = match user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--", "sh", "-c", &script]);
                c
            }
            None => {
                let mut c = Command::new("sh");
                c.args(["-c", &script]);
                c
            }
        };
        let mut keeper = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the PostgreSQL keeper shell starts");
        let mut started = [0u8; 8];
        let read = keeper.stdout.take().expect("piped").read(&mut started).unwrap_or(0);
        assert!(read > 0, "initdb failed for the test PostgreSQL (see above)");
        let server = Postgres { port, _keeper: Mutex::new(keeper) };
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Err(e) = postgres::Client::connect(&server.url("postgres"), postgres::NoTls) {
            assert!(
                Instant::now() < deadline,
                "the test PostgreSQL did not start: {e}; its log: {}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The URL of one of the server's databases.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://quotefeed@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn new_database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("connects");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("CREATE DATABASE");
        // The benchmarks count the statements each process ran.
        let mut database = postgres::Client::connect(&self.url(&name), postgres::NoTls).expect("connects");
        database.batch_execute("CREATE EXTENSION pg_stat_statements").expect("pg_stat_statements");
        self.url(&name)
    }
}

/// The stores a store test runs on: a SQLite file in `dir`, and, with the
/// `interop` feature, a new PostgreSQL database.
pub fn stores(dir: &Path) -> Vec<Store> {
    let mut stores = vec![Store::open(&dir.join("q.db")).expect("the SQLite store opens")];
    if cfg!(feature = "interop") {
        let url = Postgres::shared().new_database();
        stores.push(Store::open_at(&super::Location::Postgres(url)).expect("the PostgreSQL store opens"));
    }
    stores
}
