"""Writes examples/hub.jsonl: a small, made-up dataset in citekg's native format.

Run it again after changing it (`python examples/make_hub.py`); the output is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

HUB = "arxiv:2402.13929"
HUB_DOI = "doi:10.48550/arXiv.2402.13929"
DATASET_HUB = "doi:10.5555/example.bench"
MODEL = {"id": "citerole-llm@1", "kind": "model"}
REVIEWER = {"id": "reviewer:ada", "kind": "human"}

TOPICS = [
    "few-step image generation",
    "video diffusion",
    "model distillation",
    "text-to-image evaluation",
    "latent consistency",
    "adversarial training",
    "on-device inference",
    "image editing",
    "3D asset generation",
    "super-resolution",
    "style transfer",
    "medical image synthesis",
]

# (model role, human role or None, polarity) for each citing paper of the hub; None role: unannotated.
# Final roles: background 10, method 5, comparison 3, extension 1, motivation 1; 4 unclassified.
PLAN = [
    ("background", None, "neutral"),
    ("background", None, "neutral"),
    ("background", None, "positive"),
    ("background", None, "neutral"),
    ("background", None, "neutral"),
    ("background", None, "neutral"),
    ("background", None, "neutral"),
    ("method", "background", "neutral"),
    ("background", None, "neutral"),
    ("background", None, "positive"),
    ("method", None, "positive"),
    ("method", None, "positive"),
    ("method", None, "neutral"),
    ("background", "method", "positive"),
    ("background", "method", "neutral"),
    ("comparison", None, "negative"),
    ("comparison", None, "neutral"),
    ("comparison", None, "negative"),
    ("extension", None, "positive"),
    ("motivation", None, "neutral"),
    (None, None, None),
    (None, None, None),
    (None, None, None),
    (None, None, None),
]


def records() -> list[dict]:
    out: list[dict] = [
        {
            "type": "paper",
            "id": HUB,
            "ids": {"doi": HUB_DOI.removeprefix("doi:")},
            "title": "SDXL-Lightning: Progressive Adversarial Diffusion Distillation",
            "abstract": "An illustrative abstract: a distillation method that generates high-resolution "
            "images in one to eight diffusion steps.",
            "summary": "Distils a text-to-image diffusion model into a one-to-eight step generator.",
            "year": 2024,
            "date": "2024-02-21",
            "venue": "arXiv",
        },
        {
            "type": "paper",
            "id": DATASET_HUB,
            "title": "An Example Benchmark for Few-Step Generators",
            "summary": "A benchmark suite that later papers use to evaluate few-step image generators.",
            "year": 2023,
            "authors": [{"name": "Example Author", "orcid": "0000-0002-1825-0097"}],
        },
    ]
    for index, (model_role, human_role, polarity) in enumerate(PLAN, 1):
        citer = f"doi:10.5555/example.citer{index:02d}"
        topic = TOPICS[index % len(TOPICS)]
        year = 2024 + index % 3
        out.append(
            {
                "type": "paper",
                "id": citer,
                "title": f"Example Citing Paper {index:02d} on {topic.title()}",
                "summary": f"An illustrative one-line summary of a {year} paper on {topic}.",
                "year": year,
                "authors": [{"name": f"Author {index:02d}"}],
            }
        )
        cited = HUB_DOI if index % 5 == 0 else HUB  # both ids name the same paper
        out.append(
            {
                "type": "citation",
                "citing": citer,
                "cited": cited,
                "date": f"{year}-0{1 + index % 9}-15",
                "contexts": [f"We build on the approach of [{index}] for {topic}."],
            }
        )
        if model_role is not None:
            out.append(
                {
                    "type": "annotation",
                    "citing": citer,
                    "cited": HUB,
                    "role": model_role,
                    "polarity": polarity,
                    "confidence": round(0.55 + (index % 5) * 0.1, 2),
                    "annotator": MODEL,
                    "created": "2026-10-01T12:00:00Z",
                }
            )
        if human_role is not None:
            out.append(
                {
                    "type": "annotation",
                    "citing": citer,
                    "cited": HUB,
                    "role": human_role,
                    "annotator": REVIEWER,
                    "created": "2026-10-05T09:30:00Z",
                    "rationale": f"The citing sentence uses the cited work as {human_role}.",
                }
            )
    # The benchmark paper is cited mostly as a method: 8 of 10 annotated citations.
    for index in range(1, 11):
        citer = f"doi:10.5555/example.citer{index:02d}"
        role = "method" if index <= 8 else "background"
        out.append(
            {
                "type": "annotation",
                "citing": citer,
                "cited": DATASET_HUB,
                "role": role,
                "polarity": "positive" if index <= 8 else "neutral",
                "confidence": 0.9,
                "annotator": MODEL,
                "created": "2026-10-01T12:00:00Z",
            }
        )
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("hub.jsonl")
    with target.open("w", encoding="utf-8") as out:
        for record in records():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {target}")
