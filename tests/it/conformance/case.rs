//! Loading one corpus case: its `case.yaml` (read with tagbump's own YAML tree) and files.

use std::path::{Path, PathBuf};

use tagbump::edit::yaml::tree::{self, Node};

pub struct Case {
    pub dir: PathBuf,
    pub id: String,
    root: Node,
}

impl Case {
    pub fn load(dir: &Path) -> Case {
        let text = fs_err::read_to_string(dir.join("case.yaml")).unwrap();
        let root = tree::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .remove(0);
        let id = root.get("id").and_then(Node::scalar).unwrap_or_default().to_string();
        Case {
            dir: dir.to_path_buf(),
            id,
            root,
        }
    }

    pub fn node(&self, key: &str) -> Option<&Node> {
        self.root.get(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.node(key).and_then(Node::scalar)
    }

    pub fn op(&self) -> &str {
        self.str("op").unwrap_or_default()
    }

    pub fn format(&self) -> &str {
        self.str("format").unwrap_or_default()
    }

    pub fn expect_error(&self) -> bool {
        self.str("expect_error")
            .is_some_and(|v| !matches!(v, "false" | "False" | ""))
    }

    /// A list of strings.
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.node(key)
            .map(|n| n.items().iter().filter_map(|i| i.scalar().map(String::from)).collect())
            .unwrap_or_default()
    }

    /// A mapping of strings (flow or block), in order.
    pub fn string_map(node: &Node) -> Vec<(String, String)> {
        node.entries()
            .iter()
            .filter_map(|(k, v)| Some((k.scalar()?.to_string(), v.scalar()?.to_string())))
            .collect()
    }

    pub fn input(&self, file: &str) -> String {
        fs_err::read_to_string(self.dir.join("in").join(file)).unwrap()
    }

    pub fn output(&self, file: &str) -> String {
        fs_err::read_to_string(self.dir.join("out").join(file)).unwrap()
    }
}
