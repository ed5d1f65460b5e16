//! Writing corpus cases into a folder in the corpus's own format (the manifest's types from
//! `sessionkit::corpus`), for `fuzz --out` and `check --promote`: the wire bytes, the signed
//! bytes when they differ, and the manifest, so that `conform --corpus DIR` replays them.

use std::path::{Path, PathBuf};

use sessionkit::corpus::{Manifest, SignRecipe};

use crate::Error;

/// A folder that corpus cases are written into.
pub(crate) struct CorpusFolder<'a> {
    dir: &'a Path,
}

impl<'a> CorpusFolder<'a> {
    /// The folder, created when missing.
    pub(crate) fn create(dir: &'a Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| cannot_write(dir, e))?;
        Ok(Self { dir })
    }

    /// Writes `bytes` as `file` in the folder; its path.
    pub(crate) fn write(&self, file: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
        let path = self.dir.join(file);
        std::fs::write(&path, bytes).map_err(|e| cannot_write(&path, e))?;
        Ok(path)
    }

    /// The recipe of a signature that is the HMAC of `signed` with the server's secret: over the
    /// case's own bytes when `signed` is `wire`, else over `signed_file`, written beside it.
    pub(crate) fn hmac_recipe(
        &self,
        signed: &[u8],
        wire: &[u8],
        signed_file: &str,
    ) -> Result<SignRecipe, Error> {
        if signed == wire {
            return Ok(SignRecipe::hmac_over("wire", signed));
        }
        self.write(signed_file, signed)?;
        Ok(SignRecipe::hmac_over(signed_file, signed))
    }

    /// The folder's manifest when it has one that reads, else an empty one with `description`.
    pub(crate) fn manifest_or_new(&self, description: &str) -> Manifest {
        std::fs::read_to_string(self.dir.join("manifest.json"))
            .ok()
            .and_then(|text| Manifest::from_json(&text).ok())
            .unwrap_or_else(|| Manifest::described(description))
    }

    /// Writes `manifest` as the folder's `manifest.json`.
    pub(crate) fn save(&self, manifest: &Manifest) -> Result<(), Error> {
        self.write("manifest.json", manifest.to_json().as_bytes())
            .map(drop)
    }
}

fn cannot_write(path: &Path, e: std::io::Error) -> Error {
    Error(format!("cannot write {}: {e}", path.display()))
}
