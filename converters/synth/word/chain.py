"""Chains of 2–6 steps on one amount: buying, giving away, multiplying, sharing, selling a percentage — each a
sentence of the story and a line of the program, the amount kept whole and positive throughout."""
from __future__ import annotations

from converters.synth.word import lexicon
from converters.synth.word.draft import Draft


def _add(d: Draft, p: str, q: str, t: lexicon.Thing, now: str) -> str:
    x = d.given("added", d.count())
    d.say(d.pick(f"Next, {p} gets {d[x]} more.", f"{q} gives {p} {d.many(x, t, 'more')}.", f"{p} picks up another {d[x]}."),
          d.pick(f"接着{p}又得到{d[x]}{t.mw}。", f"{q}给了{p}{d[x]}{t.mw}{t.zh}。", f"{p}再拿来{d[x]}{t.mw}。"))
    return d.step(t.var, f"{now} + {x}")


def _remove(d: Draft, p: str, q: str, t: lexicon.Thing, now: str) -> str | None:
    if d.values[now] < 2:
        return None
    x = d.given("removed", d.rng.randint(1, int(d.values[now]) - 1))
    d.say(d.pick(f"{p} gives {d[x]} to {q}.", f"{p} loses {d[x]} of them.", f"{p} sells {d[x]} of them."),
          d.pick(f"{p}给了{q}{d[x]}{t.mw}。", f"{p}弄丢了{d[x]}{t.mw}。", f"{p}卖掉了{d[x]}{t.mw}。"))
    return d.step(t.var, f"{now} - {x}")


def _times(d: Draft, p: str, q: str, t: lexicon.Thing, now: str) -> str | None:
    if d.values[now] > 10**6:
        return None
    k = d.given("factor", d.small(2, 5))
    d.say(d.pick(f"Then {p}'s {t.ens} grow to {d[k]} times as many as before.",
                 f"{p} now has {d[k]} times as many {t.ens} as before."),
          d.pick(f"然后{p}的{t.zh}数量变成原来的{d[k]}倍。", f"{p}的{t.zh}变成了原来的{d[k]}倍。"))
    return d.step(t.var, f"{now} * {k}")


def _share(d: Draft, p: str, q: str, t: lexicon.Thing, now: str) -> str | None:
    ways = [k for k in range(2, 11) if d.values[now] % k == 0]
    if not ways:
        return None
    k = d.given("groups", d.rng.choice(ways))
    d.say(d.pick(f"{p} splits them equally into {d[k]} groups and keeps one group.",
                 f"They are shared equally among {d[k]} children, and {p} is one of them."),
          d.pick(f"{p}把它们平均分成{d[k]}份，自己留下一份。", f"这些{t.zh}平均分给{d[k]}个孩子，{p}是其中之一。"))
    return d.step(t.var, f"{now} / {k}")


def _percent(d: Draft, p: str, q: str, t: lexicon.Thing, now: str) -> str | None:
    ways = [c for c in (10, 20, 25, 50, 75, 40, 60, 5) if d.values[now] * c % 100 == 0]
    if not ways:
        return None
    c = d.given("percent", d.rng.choice(ways))
    d.say(f"{p} sells {d[c]}% of them.", f"{p}卖掉了其中的{d[c]}%。")
    sold = d.step("sold", f"{now} * {c} / 100")
    return d.step(t.var, f"{now} - {sold}")


_MOVES = (_add, _remove, _times, _share, _percent)


def chain(d: Draft) -> None:
    """A start amount and 2–6 changes to it; the question asks for the end amount."""
    (p, pv), (q, _) = d.people(2)
    t = d.rng.choice(lexicon.THINGS)
    now = d.given(t.var, d.count(low=10))
    d.say(d.pick(f"{p} has {d.many(now, t)}.", f"At first there are {d.many(now, t)} on {p}'s table."),
          d.pick(f"{p}有{d[now]}{t.mw}{t.zh}。", f"一开始{p}的桌上有{d[now]}{t.mw}{t.zh}。"))
    moves = d.rng.randint(2, 6)
    done = 0
    while done < moves:
        nxt = d.rng.choice(_MOVES)(d, p, q, t, now)
        if nxt is not None:
            now, done = nxt, done + 1
    d.ask(f"How many {t.ens} does {p} have at the end?", f"how many {t.ens} {p} has at the end",
          f"最后{p}有多少{t.mw}{t.zh}？", now)
