//! A bump request as the editors see it: the images to write, and the explicit places the
//! user pointed at (Helm key paths, KCL override paths, Flux policies).

use super::Target;
use super::marker::{Family, Marker};
use crate::image::{ImageRef, Part};

/// An explicit Helm values key path (`image.tag`) and the part of the image it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesKey {
    pub path: String,
    pub part: Part,
    /// Index into [`Request::targets`].
    pub target: usize,
}

/// An explicit KCL override path (`app.image`) that receives the full reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KclPath {
    pub path: String,
    pub target: usize,
}

/// Everything the editors need to know.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub targets: Vec<Target>,
    /// Flux policies (`namespace:name`) and the target each stands for.
    pub flux_policies: Vec<(String, usize)>,
    pub values_keys: Vec<ValuesKey>,
    pub kcl_paths: Vec<KclPath>,
}

impl Request {
    /// The reference a marker stands for, if it names one of the targets.
    pub fn resolve_marker(&self, m: &Marker) -> Option<ImageRef> {
        let t = match m.family {
            Family::Flux => self
                .flux_policies
                .iter()
                .find(|(p, _)| *p == m.id)
                .map(|(_, t)| &self.targets[*t])?,
            Family::Tagbump => self.targets.iter().find(|t| t.matches_name(&m.id))?,
        };
        Some(t.image.clone())
    }

    /// The string a part of target `t` receives.
    pub fn part(&self, t: usize, part: Part) -> Option<String> {
        self.targets[t].image.part(part)
    }
}
