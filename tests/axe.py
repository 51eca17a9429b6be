"""axe-core in a Playwright page: one way to run it for every browser test."""

from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

RUN = """([include, exclude, rules]) => {
  const context = include ? {include: [include], exclude} : {exclude};
  return axe.run(context, {runOnly: rules});
}"""

# The body editor's toolbar fades its buttons in and out (0.25 s transitions) as it starts:
# contrast is measured on the colours they settle at, not halfway. (A cancelled animation's
# `finished` rejects: it has settled too.)
SETTLED = (
    "Promise.all(document.getAnimations()"
    ".filter(a => a.effect.getTiming().iterations !== Infinity)"
    ".map(a => a.finished.catch(() => null)))"
)


def axe_violations(page, include: str | None = None, exclude=()) -> list:
    """(rule, targets) of each violation on the page, or inside the `include` selector."""
    page.evaluate(SETTLED)
    page.evaluate(AXE.read_text())
    result = page.evaluate(RUN, [include, list(exclude), RULES])
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
