//! What some threaded guests produce, shared by the in-process suite and
//! the CLI's end-to-end tests (the guests compute the same on their side).

/// Checks the stdout of `threads_stdout_lines <mode>`: `threads` × `lines`
/// lines, each `<mode> t<thread> n<line> <len> <body>` with a body of `len`
/// copies of one letter, every line whole (nothing from another line inside
/// it) and each thread's lines in order. Returns what is wrong.
pub fn check_thread_lines(stdout: &[u8], mode: &str, threads: u32, lines: u32) -> Result<(), String> {
    let Some(body) = stdout.strip_suffix(b"\n") else {
        return Err("stdout does not end with a newline".into());
    };
    let mut next = vec![0u32; threads as usize];
    for (k, line) in body.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        let short: String = text.chars().take(60).collect();
        let bad = || format!("line {k} is torn or malformed: {short:?}");
        let mut parts = text.splitn(5, ' ');
        let (Some(m), Some(t), Some(n), Some(len), Some(body)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let t: usize = t.strip_prefix('t').and_then(|t| t.parse().ok()).ok_or_else(bad)?;
        let n: u32 = n.strip_prefix('n').and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let len: usize = len.parse().map_err(|_| bad())?;
        if m != mode || t >= next.len() || body.len() != len {
            return Err(bad());
        }
        let letter = b'a' + ((t as u32 * 7 + n) % 26) as u8;
        if !body.bytes().all(|b| b == letter) {
            return Err(bad());
        }
        if n != next[t] {
            return Err(format!(
                "line {k}: thread {t} wrote line {n}, expected line {}",
                next[t]
            ));
        }
        next[t] += 1;
    }
    if let Some((t, &n)) = next.iter().enumerate().find(|&(_, &n)| n != lines) {
        return Err(format!("thread {t} wrote {n} lines, expected {lines}"));
    }
    Ok(())
}

/// The content of job `i`'s file in `threads_fs_pool`.
pub fn fs_pool_content(i: u32) -> Vec<u8> {
    let len = (i as usize * 2111) % 100_000 + usize::from(!i.is_multiple_of(7));
    (0..len)
        .map(|k| (k as u32).wrapping_mul(31).wrapping_add(i * 7) as u8)
        .collect()
}

/// Checks the sandbox `threads_fs_pool` left: `work/` empty, `kept/` with
/// every third job's file and its exact content, `log` with one intact
/// 64-byte record per job. Returns what is wrong.
pub fn check_fs_pool(sandbox: &std::path::Path, jobs: u32) -> Result<(), String> {
    let names = |d: &str| -> Result<Vec<String>, String> {
        let mut v: Vec<String> = std::fs::read_dir(sandbox.join(d))
            .map_err(|e| format!("{d}: {e}"))?
            .map(|e| {
                e.map(|e| e.file_name().to_string_lossy().into_owned())
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        v.sort();
        Ok(v)
    };
    if !names("work")?.is_empty() {
        return Err(format!("work/ is not empty: {:?}", names("work")?));
    }
    let kept: Vec<u32> = (0..jobs).filter(|i| i.is_multiple_of(3)).collect();
    let want: Vec<String> = kept.iter().map(|i| format!("job-{i:03}")).collect();
    if names("kept")? != want {
        return Err(format!("kept/ holds {:?}, expected {want:?}", names("kept")?));
    }
    for i in kept {
        let got = std::fs::read(sandbox.join(format!("kept/job-{i:03}"))).map_err(|e| e.to_string())?;
        if got != fs_pool_content(i) {
            return Err(format!("kept/job-{i:03} differs ({} bytes)", got.len()));
        }
    }
    let log = std::fs::read(sandbox.join("log")).map_err(|e| e.to_string())?;
    let mut jobs_seen: Vec<u32> = Vec::new();
    for rec in log.chunks(64) {
        let text = String::from_utf8_lossy(rec);
        let fields: Vec<&str> = text.split(' ').collect();
        let ok = rec.len() == 64
            && rec[63] == b'\n'
            && fields.len() == 5
            && fields[0] == "worker"
            && fields[2] == "job"
            && fields[4].trim_end_matches('\n').bytes().all(|b| b == b'.');
        let job = fields.get(3).and_then(|j| j.parse::<u32>().ok());
        match job {
            Some(j) if ok => jobs_seen.push(j),
            _ => return Err(format!("torn log record {text:?}")),
        }
    }
    jobs_seen.sort_unstable();
    if jobs_seen != (0..jobs).collect::<Vec<_>>() {
        return Err(format!("log records for jobs {jobs_seen:?}"));
    }
    Ok(())
}
