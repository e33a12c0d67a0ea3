//! A repository's git objects, stored as git stores them, so that every SHA the stand-in
//! answers is the SHA git computes: a blob is `sha1("blob {len}\0" + bytes)`, a tree is the
//! binary tree object (entries sorted the git way, directories as `40000`), a commit is the
//! text object with `tree`, `parent`, `author`, `committer` lines. A client that computes a
//! blob SHA locally, or a test that hands the objects to real git, gets the same answer.
//!
//! Commits GitHub signs (API commits without author, committer or signature) carry a
//! `gpgsig` header with a placeholder signature: the stand-in cannot sign, but the object
//! has the shape of a signed commit and `verification.verified` is true.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use sha1::{Digest as _, Sha1};

/// A person line of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch, UTC.
    pub time: i64,
}

#[derive(Clone, Debug)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Person,
    pub committer: Person,
    pub message: String,
    /// The `gpgsig` header: GitHub's signature for a commit it signed, or the signature the
    /// client sent.
    pub signature: Option<String>,
    /// Whether GitHub would show it as Verified (it signed it itself).
    pub verified: bool,
    /// The commit object without the signature (what a signature signs).
    pub payload: String,
    /// The commit object as stored (with the `gpgsig` header when signed).
    pub object: String,
}

/// One entry of a tree object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// Git's mode: `100644`, `100755`, `120000`, `160000` or `40000` (the API writes `040000`).
    pub mode: String,
    pub sha: String,
}

impl Entry {
    /// `blob`, `tree` or `commit`, as the API names them.
    pub fn kind(&self) -> &'static str {
        match self.mode.as_str() {
            "40000" => "tree",
            "160000" => "commit",
            _ => "blob",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Object {
    Blob(Vec<u8>),
    Tree(Vec<Entry>),
    Commit(Box<Commit>),
}

/// A leaf of a flattened tree: a blob (file, executable, symlink) or a submodule commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub mode: String,
    pub sha: String,
}

#[derive(Clone, Debug, Default)]
pub struct Odb {
    objects: HashMap<String, Object>,
    /// Objects the stand-in made since [`Odb::take_fresh`] last ran, oldest first: what a
    /// linked repository still has to receive.
    fresh: Vec<String>,
}

pub fn hash(kind: &str, data: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("{kind} {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_to_bytes(sha: &str) -> Vec<u8> {
    (0..sha.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&sha[i..i + 2], 16).expect("a hex SHA"))
        .collect()
}

/// Whether `s` is a full lower-case hex SHA-1.
pub fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Git's tree object bytes for `entries` (sorted the way git sorts them).
pub fn tree_bytes(entries: &mut [Entry]) -> Vec<u8> {
    let key = |e: &Entry| {
        let mut k = e.name.clone().into_bytes();
        if e.mode == "40000" {
            k.push(b'/');
        }
        k
    };
    entries.sort_by_key(key);
    let mut out = Vec::new();
    for e in entries.iter() {
        out.extend_from_slice(format!("{} {}\0", e.mode, e.name).as_bytes());
        out.extend_from_slice(&hex_to_bytes(&e.sha));
    }
    out
}

fn person_line(p: &Person) -> String {
    format!("{} <{}> {} +0000", p.name, p.email, p.time)
}

/// The placeholder GitHub signature of commits the stand-in "signs".
pub fn placeholder_signature(payload: &str) -> String {
    format!(
        "-----BEGIN PGP SIGNATURE-----\n\nstand-in signature over {}\n-----END PGP SIGNATURE-----\n",
        hash("payload", payload.as_bytes())
    )
}

impl Odb {
    pub fn get(&self, sha: &str) -> Option<&Object> {
        self.objects.get(sha)
    }

    pub fn blob(&self, sha: &str) -> Option<&[u8]> {
        match self.objects.get(sha) {
            Some(Object::Blob(b)) => Some(b),
            _ => None,
        }
    }

    pub fn tree(&self, sha: &str) -> Option<&[Entry]> {
        match self.objects.get(sha) {
            Some(Object::Tree(t)) => Some(t),
            _ => None,
        }
    }

    pub fn commit(&self, sha: &str) -> Option<&Commit> {
        match self.objects.get(sha) {
            Some(Object::Commit(c)) => Some(c),
            _ => None,
        }
    }

    /// Store an object the stand-in made.
    fn put(&mut self, sha: &str, object: Object) {
        if self.objects.insert(sha.to_string(), object).is_none() {
            self.fresh.push(sha.to_string());
        }
    }

    /// The objects made since the last call, oldest first.
    pub fn take_fresh(&mut self) -> Vec<String> {
        std::mem::take(&mut self.fresh)
    }

    /// Store an object read from real git under git's SHA for it. Fails when the stand-in's
    /// encoding of `object` would not reproduce that SHA (it keeps trees as entries and
    /// re-encodes them, so a tree git wrote in a form the stand-in does not write cannot be
    /// mirrored).
    pub fn import(&mut self, sha: &str, object: Object) -> Result<(), String> {
        let (kind, bytes) = encode(&object);
        let ours = hash(kind, &bytes);
        if ours != sha {
            return Err(format!(
                "{kind} {sha} re-encodes as {ours}; the stand-in cannot mirror it"
            ));
        }
        self.objects.insert(sha.to_string(), object);
        Ok(())
    }

    pub fn put_blob(&mut self, data: Vec<u8>) -> String {
        let sha = hash("blob", &data);
        self.put(&sha, Object::Blob(data));
        sha
    }

    pub fn put_tree(&mut self, mut entries: Vec<Entry>) -> String {
        let sha = hash("tree", &tree_bytes(&mut entries));
        self.put(&sha, Object::Tree(entries));
        sha
    }

    /// Store a commit; `sign` makes it one GitHub signed (a `gpgsig` header, Verified).
    /// Returns its SHA.
    #[allow(clippy::too_many_arguments)]
    pub fn put_commit(
        &mut self,
        tree: &str,
        parents: &[String],
        author: Person,
        committer: Person,
        message: &str,
        signature: Option<String>,
        sign: bool,
    ) -> String {
        let mut head = format!("tree {tree}\n");
        for p in parents {
            head.push_str(&format!("parent {p}\n"));
        }
        head.push_str(&format!("author {}\n", person_line(&author)));
        head.push_str(&format!("committer {}\n", person_line(&committer)));
        let payload = format!("{head}\n{message}");
        let signature = if sign {
            Some(placeholder_signature(&payload))
        } else {
            signature
        };
        let text = match &signature {
            Some(sig) => {
                let folded = sig.trim_end_matches('\n').replace('\n', "\n ");
                format!("{head}gpgsig {folded}\n\n{message}")
            }
            None => payload.clone(),
        };
        let sha = hash("commit", text.as_bytes());
        let commit = Commit {
            tree: tree.to_string(),
            parents: parents.to_vec(),
            author,
            committer,
            message: message.to_string(),
            signature,
            verified: sign,
            payload,
            object: text,
        };
        self.put(&sha, Object::Commit(Box::new(commit)));
        sha
    }

    /// Every leaf under tree `sha`, by full path.
    pub fn flatten(&self, sha: &str) -> BTreeMap<String, Leaf> {
        let mut out = BTreeMap::new();
        self.flatten_into(sha, "", &mut out);
        out
    }

    fn flatten_into(&self, sha: &str, prefix: &str, out: &mut BTreeMap<String, Leaf>) {
        for e in self.tree(sha).unwrap_or_default() {
            let path = format!("{prefix}{}", e.name);
            if e.mode == "40000" {
                self.flatten_into(&e.sha, &format!("{path}/"), out);
            } else {
                out.insert(
                    path,
                    Leaf {
                        mode: e.mode.clone(),
                        sha: e.sha.clone(),
                    },
                );
            }
        }
    }

    /// Store the trees for a flat path → leaf map; returns the root tree's SHA.
    pub fn build_tree(&mut self, leaves: &BTreeMap<String, Leaf>) -> String {
        let mut files = Vec::new();
        let mut dirs: BTreeMap<String, BTreeMap<String, Leaf>> = BTreeMap::new();
        for (path, leaf) in leaves {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    dirs.entry(dir.to_string())
                        .or_default()
                        .insert(rest.to_string(), leaf.clone());
                }
                None => files.push(Entry {
                    name: path.clone(),
                    mode: leaf.mode.clone(),
                    sha: leaf.sha.clone(),
                }),
            }
        }
        for (dir, sub) in dirs {
            let sha = self.build_tree(&sub);
            files.push(Entry {
                name: dir,
                mode: "40000".to_string(),
                sha,
            });
        }
        self.put_tree(files)
    }

    /// Whether `ancestor` is `descendant` or reachable from it through parents.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.reachable(descendant).contains(ancestor)
    }

    /// Every commit reachable from `tip`, itself included.
    pub fn reachable(&self, tip: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([tip.to_string()]);
        while let Some(sha) = queue.pop_front() {
            if !seen.insert(sha.clone()) {
                continue;
            }
            if let Some(c) = self.commit(&sha) {
                queue.extend(c.parents.iter().cloned());
            }
        }
        seen
    }

    /// The raw object bytes git would store for `sha` (without the `kind len\0` header), and its
    /// kind: for handing objects to real git in tests.
    pub fn raw(&self, sha: &str) -> Option<(&'static str, Vec<u8>)> {
        self.objects.get(sha).map(encode)
    }
}

/// An object's kind and the bytes git stores for it (without the `kind len\0` header).
fn encode(object: &Object) -> (&'static str, Vec<u8>) {
    match object {
        Object::Blob(b) => ("blob", b.clone()),
        Object::Tree(t) => ("tree", tree_bytes(&mut t.clone())),
        Object::Commit(c) => ("commit", c.object.clone().into_bytes()),
    }
}
