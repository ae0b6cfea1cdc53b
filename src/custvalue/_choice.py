"""The words for the choice of the purchase model (private; public as ``analysis.choice_reason``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._deprecation import keyword_only_after

__all__ = ["MODEL_NAMES", "choice_reason"]

MODEL_NAMES: Mapping[str, str] = {"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}
"""Model key -> the name the literature uses."""


@keyword_only_after(2, "lang", since="0.3")
def choice_reason(choice: str, detail: Mapping[str, Any], *, lang: str = "en") -> str:
    """Say why ``choice`` was made, in words (English or Chinese).

    Parameters
    ----------
    choice : str
        The chosen purchase model's key (``"bgnbd"``, ``"pnbd"``, ``"mbgnbd"``).
    detail : mapping
        :attr:`Analysis.choice_detail`: the criterion and each candidate's value.
    lang : {"en", "zh"}, default "en"
        Display language.

    Returns
    -------
    str
        One sentence: the criterion and the candidates' values.
    """
    crit = detail["criterion"]
    name = MODEL_NAMES[choice]
    zh = lang == "zh"
    if crit == "asked":
        text = (
            f"{name} 由用户指定（model={choice!r}）"
            if zh
            else (f"{name} was asked for (model={choice!r})")
        )
    else:
        values = detail["values"]
        best = detail.get("best", choice)
        name = MODEL_NAMES[best]
        others = [f"{MODEL_NAMES[k]} {v:.4g}" for k, v in values.items() if k != best]
        if zh:
            what = (
                "验证期每位客户购买次数的平均绝对误差最低"
                if crit == "mae"
                else ("在全部历史上的 BIC 最低（未指定验证期）")
            )
            text = f"{name} 的{what}：{values[best]:.4g}"
            if others:
                text += f"（其他：{'，'.join(others)}）"
        else:
            what = (
                "the lowest mean absolute error of holdout purchases per customer"
                if crit == "mae"
                else "the lowest BIC on the whole history (no holdout given)"
            )
            text = f"{name} has {what}: {values[best]:.4g}"
            if others:
                text += f" (vs {', '.join(others)})"
    if detail["failed"]:
        failed = ", ".join(MODEL_NAMES[k] for k in detail["failed"])
        text += f"；无法拟合 {failed}" if zh else f"; could not fit {failed}"
    for name in detail.get("refit_failed", []):
        text += (
            f"；{MODEL_NAMES[name]} 无法在全部历史上拟合，改用下一个最佳模型"
            if zh
            else f"; {MODEL_NAMES[name]} could not be fitted on the whole history, so the "
            "next best candidate is used"
        )
    if detail.get("refit_failed"):
        text += f"：{MODEL_NAMES[choice]}" if zh else f": {MODEL_NAMES[choice]}"
    return text
