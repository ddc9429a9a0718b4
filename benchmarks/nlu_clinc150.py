"""CLINC150 with this project's own Rasa pipeline (nlu/config.yml), against Table 2 of the paper.

Trains on the 15,000 in-scope `train` queries (150 intents, no out-of-scope class), picks
the fallback threshold on the validation split (in-scope `val` + `oos_val`) by the best sum
of in-scope accuracy and OOS recall, and reports the test split (4,500 in-scope, 1,000 OOS)
at that threshold, with a threshold table like ../shared/benchmarks/clinc150/BASELINE.md.

    .venv/bin/python benchmarks/nlu_clinc150.py [--config nlu/config.yml] [--data PATH]

Reads the data in place (never copied into the repository). Takes minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from bot.nlu.project import Project

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "benchmarks" / "clinc150" / "data_full.json"
PAPER = [
    ("Rasa (paper, oos-train)", 91.5, 45.3),
    ("Rasa (paper, oos-threshold)", 90.9, 31.2),
    ("BERT (paper, oos-train)", 96.9, 40.3),
    ("BERT (paper, oos-threshold)", 96.2, 52.3),
    ("stock Rasa 3.6 here (BASELINE.md, t=0.92)", 79.0, 82.0),
]


def _score(
    results: list[dict], gold: list[str], n_in: int, threshold: float
) -> tuple[float, float]:
    inscope = sum(
        r["intent"] == g and r["confidence"] >= threshold
        for r, g in zip(results[:n_in], gold[:n_in], strict=True)
    )
    oos = sum(r["confidence"] < threshold for r in results[n_in:])
    return 100 * inscope / n_in, 100 * oos / max(1, len(results) - n_in)


async def main(config: Path, data_path: Path) -> None:
    data = json.loads(data_path.read_text())
    work = Path(tempfile.mkdtemp(prefix="clinc150-"))
    try:
        (work / "data").mkdir()
        shutil.copy(config, work / "config.yml")
        shutil.copy(REPO / "nlu" / "parse_batch.py", work / "parse_batch.py")
        by_intent: dict[str, list[str]] = {}
        for text, intent in data["train"]:
            by_intent.setdefault(intent, []).append(text)
        blocks = [
            {"intent": k, "examples": "".join(f"- {t}\n" for t in v)} for k, v in by_intent.items()
        ]
        (work / "data" / "nlu.yml").write_text(
            yaml.safe_dump({"version": "3.1", "nlu": blocks}, width=1000)
        )
        project = Project(work, REPO / ".venv-rasa")
        model = work / "models" / "clinc.tar.gz"
        print(
            f"training {config} on {len(data['train'])} queries, {len(by_intent)} intents ...",
            flush=True,
        )
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            str(project.rasa), "train", "nlu", "--config", str(work / "config.yml"), "--nlu", str(work / "data"),
            "--out", str(work / "models"), "--fixed-model-name", "clinc",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        if await proc.wait() != 0 or not model.exists():
            raise SystemExit("training failed")
        train_s = time.perf_counter() - started
        print(f"trained in {train_s / 60:.1f} min", flush=True)
        val_texts = [t for t, _ in data["val"]] + [t for t, _ in data["oos_val"]]
        test_texts = [t for t, _ in data["test"]] + [t for t, _ in data["oos_test"]]
        started = time.perf_counter()
        results = await project.parse_batch(model, val_texts + test_texts)
        parse_ms = 1000 * (time.perf_counter() - started) / len(results)
        val, test = results[: len(val_texts)], results[len(val_texts) :]
        val_gold = [g for _, g in data["val"]]
        test_gold = [g for _, g in data["test"]]
        rows = []
        for step in range(0, 100, 2):
            th = step / 100
            v_in, v_oos = _score(val, val_gold, len(data["val"]), th)
            t_in, t_oos = _score(test, test_gold, len(data["test"]), th)
            rows.append((th, t_in, t_oos, v_in, v_oos))
        best = max(rows, key=lambda r: r[3] + r[4])
        print(
            "\nthreshold | test in-scope acc % | test OOS recall % | val in-scope % | val OOS recall %"
        )
        for th, t_in, t_oos, v_in, v_oos in rows:
            if round(th * 100) % 10 == 0 or th == best[0]:
                mark = "  <- chosen on val" if th == best[0] else ""
                print(f"{th:.2f} | {t_in:.1f} | {t_oos:.1f} | {v_in:.1f} | {v_oos:.1f}{mark}")
        print(
            f"\nRESULT {config.name}: test in-scope accuracy {best[1]:.1f} %, OOS recall {best[2]:.1f} % "
            f"at threshold {best[0]:.2f} (chosen on val); training {train_s / 60:.1f} min; "
            f"parse {parse_ms:.1f} ms/query in process"
        )
        print(f"  at threshold 0 (no fallback): in-scope accuracy {rows[0][1]:.1f} %")
        for name, acc, rec in PAPER:
            print(f"  {name}: {acc} / {rec}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "nlu" / "config.yml")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    asyncio.run(main(args.config, args.data))
