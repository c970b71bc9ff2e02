"""Training the Rasa model only when its inputs changed.

The fingerprint covers config.yml, the domain and the training data; the model file is named
after it, so an unchanged project reuses the model without starting Rasa at all.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

from bot.config import PROJECT_ROOT

RASA_BIN = PROJECT_ROOT / ".venv" / "rasa" / "bin" / "rasa"
MODELS_DIR = PROJECT_ROOT / "models"
TRAINING_INPUTS = ("config.yml", "domain", "data")


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return MODELS_DIR / f"cc-{fingerprint(root)}.tar.gz"


def ensure_model(force: bool = False) -> tuple[Path, float | None]:
    """The trained model for the current inputs; trains it first if needed. Returns (path, seconds trained)."""
    target = model_path()
    if target.exists() and not force:
        return target, None
    MODELS_DIR.mkdir(exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [str(RASA_BIN), "train", "--config", "config.yml", "--domain", "domain", "--data", "data",
         "--out", str(MODELS_DIR), "--fixed-model-name", target.name.removesuffix(".tar.gz")],
        cwd=PROJECT_ROOT, check=True,
    )
    return target, time.perf_counter() - started


if __name__ == "__main__":
    path, seconds = ensure_model()
    print(path)
    if seconds is not None:
        import sys

        print(f"trained in {seconds:.1f}s", file=sys.stderr)
