"""Document rendering throughput: receipts per second and peak memory, naive vs bulk vs bulk on 2 processes.

Each mode runs in a fresh process (its peak RSS is its own): one PDF per receipt (naive), the platform's bulk mode
(chunks of --chunk receipts per PDF) on one core, the bulk mode split over 2 worker processes; plus a contract.
The figures are the renderer's (templates → PDF bytes, QR codes included), without the database. Beside the wall
clock rate, each mode gives receipts per CPU-second of its rendering processes: the "per core" figure, which
holds on a machine busy with other work, where the wall clock measures the queue for the cores.

    python bench/documents.py [--receipts N] [--chunk N] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from documents.rendering import Meta, renderer
from documents.samples import SAMPLES

ON = date(2026, 4, 1)


def _receipts(count: int, offset: int = 0) -> list[dict]:
    using = renderer()
    return [using.validate("receipt", SAMPLES["receipt"](account=f"54{offset + i:08d}")) for i in range(count)]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive(count: int, _chunk: int) -> dict:
    """One PDF per receipt."""
    using = renderer()
    receipts = _receipts(count)
    using.pdf("receipt", [(receipts[0], Meta(None, ON))])  # warm-up: fonts, templates
    started, cpu = time.perf_counter(), time.process_time()
    for data in receipts:
        using.pdf("receipt", [(data, Meta(None, ON))])
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu, "receipts": count,
            "peak_mb": _peak_mb()}


def bulk(count: int, chunk: int, offset: int = 0) -> dict:
    """Chunks of `chunk` receipts per PDF, one after another."""
    using = renderer()
    receipts = _receipts(count, offset)
    using.pdf("receipt", [(receipts[0], Meta(None, ON))])
    started, cpu = time.perf_counter(), time.process_time()
    pages = 0
    for start in range(0, count, chunk):
        pages += using.pdf("receipt", [(data, Meta(None, ON)) for data in receipts[start:start + chunk]]).pages
    assert pages == count
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu, "receipts": count,
            "peak_mb": _peak_mb()}


def contract(repeat: int, _chunk: int) -> dict:
    using = renderer()
    data = using.validate("contract", SAMPLES["contract"]())
    using.pdf("contract", [(data, Meta("1-ТКО/2026", ON))])
    started = time.perf_counter()
    for _ in range(repeat):
        using.pdf("contract", [(data, Meta("1-ТКО/2026", ON))])
    return {"seconds": (time.perf_counter() - started) / repeat, "receipts": 0, "peak_mb": _peak_mb()}


def _bulk_part(args: tuple[int, int, int]) -> dict:
    return bulk(*args)


def bulk_two_processes(count: int, chunk: int) -> dict:
    """Half of the receipts in each of 2 worker processes (what 2 Celery workers do)."""
    context = multiprocessing.get_context("spawn")
    half = count // 2
    with context.Pool(2) as pool:
        started = time.perf_counter()
        parts = pool.map(_bulk_part, [(half, chunk, 0), (count - half, chunk, half)])
        wall = time.perf_counter() - started
    # the wall time includes starting the workers and warming them up: the honest figure for a batch job
    return {"seconds": wall, "cpu_seconds": sum(p["cpu_seconds"] for p in parts), "receipts": count,
            "peak_mb": max(p["peak_mb"] for p in parts),
            "worker_seconds": [round(p["seconds"], 2) for p in parts]}


def _isolated(function, count: int, chunk: int) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(function, (count, chunk))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipts", type=int, default=400)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()

    results = {
        "naive, one PDF per receipt": _isolated(naive, max(args.receipts // 4, 20), args.chunk),
        f"bulk, {args.chunk} per PDF, 1 process": _isolated(bulk, args.receipts, args.chunk),
        f"bulk, {args.chunk} per PDF, 2 processes": bulk_two_processes(args.receipts, args.chunk),
    }
    contract_result = _isolated(contract, 10, args.chunk)
    rows = {name: {"receipts_per_s": round(r["receipts"] / r["seconds"], 1),
                   "receipts_per_cpu_s": round(r["receipts"] / r["cpu_seconds"], 1), "peak_mb": round(r["peak_mb"])}
            for name, r in results.items()}
    report = {"receipts": args.receipts, "chunk": args.chunk, "modes": rows,
              "contract_seconds": round(contract_result["seconds"], 3)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(f"{'mode':<36} {'receipts/s':>11} {'per CPU-s':>10} {'peak MB':>9}")
    for name, row in rows.items():
        print(f"{name:<36} {row['receipts_per_s']:>11} {row['receipts_per_cpu_s']:>10} {row['peak_mb']:>9}")
    print(f"{'contract (2–3 pages), seconds each':<36} {report['contract_seconds']:>11}")


if __name__ == "__main__":
    main()
