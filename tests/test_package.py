"""`autospeech package` and running its zip the official way: nothing but the unzipped upload on the path."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from autospeech.cli import main
from autospeech.export_pkl import export_pkl
from autospeech.package import build_package

REPOSITORY = Path(__file__).resolve().parent.parent
STANDIN = REPOSITORY / "tests" / "kit_standin"


def test_package_holds_exactly_the_submission(tmp_path, capsys):
    assert main(["package", "--output", str(tmp_path / "submission.zip")]) == 0
    names = zipfile.ZipFile(tmp_path / "submission.zip").namelist()
    assert "model.py" in names and "pretrained/data01.keras" in names and "autospeech_model/model.py" in names
    assert {name.split("/")[0] for name in names} == {"model.py", "autospeech_model", "pretrained"}
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    out = capsys.readouterr().out
    assert "pretrained/data01.keras" in out and out.splitlines()[-1].startswith(f"wrote {tmp_path / 'submission.zip'}")


def test_a_failed_package_build_leaves_no_partial_zip(tmp_path):
    target = tmp_path / "missing-folder-is-made" / "submission.zip"
    build_package(target)
    assert target.is_file() and [p.name for p in target.parent.iterdir()] == ["submission.zip"]


def test_an_output_that_is_a_folder_or_inside_the_packed_folders_is_refused(tmp_path, capsys):
    inside = [REPOSITORY / "autospeech_model" / "new" / "sub.zip", REPOSITORY / "pretrained" / "sub.zip"]
    for output, problem in [("", "--output '.' is a folder"), (str(tmp_path), f"--output '{tmp_path}' is a folder"),
                            *[(str(path), f"--output {path} lies inside a folder the zip packs") for path in inside]]:
        assert main(["package", "--output", output]) == 2
        assert capsys.readouterr().err.splitlines() == [f"autospeech: error: {problem}; " + (
            "write it elsewhere" if "inside" in problem else "give the zip file's path")]
    assert not any(path.parent.exists() and path.exists() for path in inside)
    assert not (REPOSITORY / "autospeech_model" / "new").exists()


def test_the_zip_runs_with_the_kits_modules_first_on_the_path(tmp_path, tiny_dataset):
    zip_path = tmp_path / "submission.zip"
    build_package(zip_path)
    code_dir = tmp_path / "code"
    zipfile.ZipFile(zip_path).extractall(code_dir)
    dataset = export_pkl(tiny_dataset, tmp_path / "pkl")
    meta = dataset / f"{dataset.name}.data" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "time_budget": 30}))
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    command = [sys.executable, "-S", str(STANDIN / "driver.py"), sysconfig.get_paths()["purelib"], str(code_dir),
               str(dataset), "2"]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(workdir)})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["model"]) == code_dir / "model.py"
    assert Path(report["package"]).is_relative_to(code_dir)  # the zip's package, not the repository's
    assert report["shapes"] == [[6, 3], [6, 3]]


def test_export_pkl_writes_the_kits_form(tmp_path, tiny_dataset):
    from ingestion.dataset import load_dataset

    target = export_pkl(tiny_dataset, tmp_path / "pkl")
    data_dir = target / "tiny.data"
    assert sorted(p.name for p in data_dir.iterdir()) == ["meta.json", "test.pkl", "train.pkl", "train.solution"]
    original, exported = load_dataset(tiny_dataset, True), load_dataset(target, True)
    assert all((a == b).all() for a, b in zip(original.train_x, exported.train_x))
    assert (original.test_labels == exported.test_labels).all()
