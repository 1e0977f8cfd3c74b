"""Grade-school problem schemas. Each fills a Draft: sentences in the problem's language, one program line per
stated or derived quantity, the question and the name of its answer. Amounts are drawn so that every
division comes out exact and nothing counted goes below zero."""
from __future__ import annotations

import math
from typing import Callable

from converters.synth.word import lexicon
from converters.synth.word.draft import Draft


def change(d: Draft) -> None:
    """A start amount, then one to three gains and losses."""
    (p, pv), (q, _) = d.people(2)
    t = d.rng.choice(lexicon.THINGS)
    now = d.given(f"{pv}_{t.var}", d.count(low=5))
    d.say(d.pick(f"{p} has {d.many(now, t)}.", f"{p} starts the day with {d.many(now, t)}.",
                 f"There are {d.many(now, t)} in {p}'s collection."),
          d.pick(f"{p}有{d[now]}{t.mw}{t.zh}。", f"{p}原来有{d[now]}{t.mw}{t.zh}。", f"{p}收集了{d[now]}{t.mw}{t.zh}。"))
    for _ in range(d.rng.choice((1, 1, 2, 3))):
        if d.rng.random() < 0.5 or d.values[now] < 2:
            x = d.given("more", d.count())
            d.say(d.pick(f"Then {p} buys {d[x]} more.", f"{q} gives {p} another {d.many(x, t)}.",
                         f"Later {p} finds {d.many(x, t, 'more')}."),
                  d.pick(f"后来{p}又买了{d[x]}{t.mw}。", f"{q}送给{p}{d[x]}{t.mw}{t.zh}。", f"{p}又找到了{d[x]}{t.mw}。"))
            now = d.step(f"{t.var}_after", f"{now} + {x}")
        else:
            x = d.given("fewer", d.rng.randint(1, int(d.values[now]) - 1))
            d.say(d.pick(f"{p} gives {d[x]} of them to {q}.", f"{p} loses {d.many(x, t)}.",
                         f"Then {p} uses up {d.many(x, t)}."),
                  d.pick(f"{p}送给{q}{d[x]}{t.mw}。", f"{p}弄丢了{d[x]}{t.mw}{t.zh}。", f"然后用掉了{d[x]}{t.mw}。"))
            now = d.step(f"{t.var}_after", f"{now} - {x}")
    d.ask(f"How many {t.ens} does {p} have now?", f"how many {t.ens} {p} has now", f"{p}现在有多少{t.mw}{t.zh}？", now)


def combine(d: Draft) -> None:
    """Two to four people's amounts, and their total."""
    t = d.rng.choice(lexicon.THINGS)
    who = d.people(d.rng.choice((2, 2, 3, 4)))
    names = [d.given(f"{pv}_{t.var}", d.count()) for _, pv in who]
    for (p, _), n in zip(who, names):
        d.say(d.pick(f"{p} has {d.many(n, t)}.", f"{p} brought {d.many(n, t)}.", f"{p} collected {d.many(n, t)}."),
              d.pick(f"{p}有{d[n]}{t.mw}{t.zh}。", f"{p}带来了{d[n]}{t.mw}{t.zh}。", f"{p}收集了{d[n]}{t.mw}{t.zh}。"))
    total = d.step(f"total_{t.var}", " + ".join(names))
    d.ask(d.pick(f"How many {t.ens} do they have altogether?", f"How many {t.ens} are there in total?"),
          f"how many {t.ens} they have in all", d.pick(f"他们一共有多少{t.mw}{t.zh}？", f"这些{t.zh}合起来有多少{t.mw}？"), total)


def compare(d: Draft) -> None:
    """More / fewer / times as many, or the difference of two amounts."""
    (p, pv), (q, qv) = d.people(2)
    t = d.rng.choice(lexicon.THINGS)
    a = d.given(f"{pv}_{t.var}", d.count(low=4))
    d.say(f"{p} has {d.many(a, t)}.", f"{p}有{d[a]}{t.mw}{t.zh}。")
    form = d.rng.randrange(4)
    if form == 3:  # the difference
        b = d.given(f"{qv}_{t.var}", d.rng.randint(1, int(d.values[a]) - 1))
        d.say(f"{q} has {d.many(b, t)}.", f"{q}有{d[b]}{t.mw}{t.zh}。")
        diff = d.step("difference", f"{a} - {b}")
        d.ask(f"How many more {t.ens} does {p} have than {q}?", f"how many more {t.ens} {p} has than {q}",
              f"{p}比{q}多多少{t.mw}{t.zh}？", diff)
        return
    if form == 0:
        x = d.given("more", d.count())
        d.say(f"{q} has {d.many(x, t, 'more')} than {p}.", f"{q}比{p}多{d[x]}{t.mw}。")
        b = d.step(f"{qv}_{t.var}", f"{a} + {x}")
    elif form == 1:
        x = d.given("fewer", d.rng.randint(1, int(d.values[a]) - 1))
        d.say(f"{q} has {d.many(x, t, 'fewer')} than {p}.", f"{q}比{p}少{d[x]}{t.mw}。")
        b = d.step(f"{qv}_{t.var}", f"{a} - {x}")
    else:
        k = d.given("times", d.small(2, 9))
        d.say(f"{q} has {d[k]} times as many {t.ens} as {p}.", f"{q}的{t.zh}数量是{p}的{d[k]}倍。")
        b = d.step(f"{qv}_{t.var}", f"{a} * {k}")
    if d.rng.random() < 0.5:
        d.ask(f"How many {t.ens} does {q} have?", f"how many {t.ens} {q} has", f"{q}有多少{t.mw}{t.zh}？", b)
    else:
        total = d.step(f"total_{t.var}", f"{a} + {b}")
        d.ask(f"How many {t.ens} do {p} and {q} have together?", f"how many {t.ens} {p} and {q} have together",
              f"{p}和{q}一共有多少{t.mw}{t.zh}？", total)


def groups(d: Draft) -> None:
    """Equal groups: boxes of k, sharing equally, packing into boxes."""
    t = d.rng.choice(lexicon.THINGS)
    box, boxes, zbox, znoun, bv = d.rng.choice(lexicon.BOXES)
    (p, _), = d.people(1)
    form = d.rng.randrange(3)
    n, k = d.small(2, 30), d.count(low=2, digits=min(d.size, 3))
    if form == 0:
        a, b = d.given(bv, n), d.given(f"{t.var}_per_{box}", k)
        d.say(f"{p} has {d[a]} {boxes} with {d.many(b, t)} in each {box}.", f"{p}有{d[a]}{zbox}{t.zh}，每{zbox}{d[b]}{t.mw}。")
        total = d.step(f"total_{t.var}", f"{a} * {b}")
        if d.rng.random() < 0.4:
            e = d.given("extra", d.count())
            d.say(f"There are also {d.many(e, t, 'loose')}.", f"另外还有{d[e]}{t.mw}散装的。")
            total = d.step(f"all_{t.var}", f"{total} + {e}")
        d.ask(f"How many {t.ens} are there?", f"how many {t.ens} there are", f"一共有多少{t.mw}{t.zh}？", total)
    elif form == 1:
        a, b = d.given(f"total_{t.var}", n * k), d.given("people", n)
        d.say(f"{p} shares {d.many(a, t)} equally among {d[b]} friends.", f"{p}把{d[a]}{t.mw}{t.zh}平均分给{d[b]}个朋友。")
        each = d.step(f"{t.var}_each", f"{a} / {b}")
        d.ask(f"How many {t.ens} does each friend get?", f"how many {t.ens} each friend gets", f"每个朋友分到多少{t.mw}？", each)
    else:
        a, b = d.given(f"total_{t.var}", n * k), d.given(f"{t.var}_per_{box}", k)
        d.say(f"{p} packs {d.many(a, t)} into {boxes}, {d[b]} in each {box}.", f"{p}把{d[a]}{t.mw}{t.zh}装进{znoun}里，每{zbox}装{d[b]}{t.mw}。")
        need = d.step(bv, f"{a} / {b}")
        d.ask(f"How many {boxes} does {p} fill?", f"how many {boxes} {p} fills", f"{p}一共装了多少{zbox}？", need)


def rate(d: Draft) -> None:
    """Rate × time, total ÷ rate, or a wage over hours and days."""
    (p, _), = d.people(1)
    if d.rng.random() < 0.35:
        w = d.given("hourly_wage", d.price(8, 60), money=True)
        h, days = d.given("hours_per_day", d.small(2, 10)), d.given("days", d.small(2, 30))
        d.say(f"{p} earns {d[w]} an hour and works {d[h]} hours a day for {d[days]} days.",
              f"{p}每小时挣{d[w]}，每天工作{d[h]}小时，一共工作了{d[days]}天。")
        per_day = d.step("pay_per_day", f"{w} * {h}", money=True)
        total = d.step("total_pay", f"{per_day} * {days}", money=True)
        d.ask(f"How much does {p} earn in total?", f"how much {p} earns in total", f"{p}一共挣了多少元？", total)
        return
    verb, base, per, what, zverb, zwhat, zunit, unit, (rv, tv, qv) = d.rng.choice(lexicon.RATES)
    r, n = d.count(low=2, digits=min(d.size, 2)), d.small(2, 24)  # rates people reach: under 100
    if d.rng.random() < 0.5:
        a, b = d.given(rv, r), d.given(tv, n)
        d.say(f"{p} {verb} {d[a]} {per} for {d[b]} {unit}.", f"{p}每{zunit}{zverb}{d[a]}{zwhat}，{zverb}了{d[b]}{zunit}。")
        total = d.step(qv, f"{a} * {b}")
        d.ask(f"How many {what} is that in total?", f"how many {what} that makes in total",
              f"{p}一共{zverb}了多少{zwhat}？", total)
    else:
        a, b = d.given(qv, r * n), d.given(rv, r)
        d.say(f"{p} has {d[a]} {what} to {base} at {d[b]} {per}.", f"{p}要{zverb}{d[a]}{zwhat}，每{zunit}{zverb}{d[b]}{zwhat}。")
        time = d.step(tv, f"{a} / {b}")
        d.ask(f"How many {unit} will it take?", f"how many {unit} it will take", f"需要多少{zunit}？", time)


def shopping(d: Draft) -> None:
    """Quantities at unit prices, a total, and sometimes the change from a payment."""
    (p, _), = d.people(1)
    picks = d.rng.sample(lexicon.GOODS, d.rng.choice((1, 2, 2, 3)))
    costs, said_en, said_zh = [], [], []
    for en, ens, zh, mw, var, (lo, hi) in picks:
        q, c = d.given(f"{var}_count", d.small(1, 12)), d.given(f"{var}_price", d.price(lo, hi), money=True)
        said_en.append(f"{d[q]} {en if d.values[q] == 1 else ens} at {d[c]} each")
        said_zh.append(f"{d[q]}{mw}{zh}，每{mw}{d[c]}")
        costs.append(d.step(f"{var}_cost", f"{q} * {c}", money=True))
    d.say(f"{p} buys " + ", ".join(said_en) + ".", f"{p}买了" + "；".join(said_zh) + "。")
    total = d.step("total_cost", " + ".join(costs), money=True) if len(costs) > 1 else costs[0]
    if d.rng.random() < 0.4:
        paid = d.given("paid", ((int(d.values[total]) // 50) + 1) * 50 + d.rng.choice((0, 50, 100)), money=True)
        d.say(f"{p} pays with {d[paid]}.", f"{p}付了{d[paid]}。")
        left = d.step("change", f"{paid} - {total}", money=True)
        d.ask(f"How much change does {p} get?", f"how much change {p} gets", f"应找回多少元？", left)
    else:
        d.ask(f"How much does {p} spend?", f"how much {p} spends", f"{p}一共花了多少元？", total)


def percent(d: Draft) -> None:
    """A discount or a rise in percent, or a percentage of a group."""
    (p, _), = d.people(1)
    pct = d.rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80))
    if d.rng.random() < 0.5:
        en, ens, zh, mw, var, (lo, hi) = d.rng.choice(lexicon.GOODS)
        price = d.given(f"{var}_price", d.rng.randint(lo, hi) * d.rng.choice((1, 1, 2)), money=True)
        if d.rng.random() < 0.6:
            off = d.given("discount_percent", pct)
            d.say(f"A {en} costs {d[price]}. It is on sale for {d[off]}% off.", f"一{mw}{zh}原价{d[price]}，现在打折，便宜{d[off]}%。")
            cut = d.step("discount", f"{price} * {off} / 100", money=True)
            new = d.step("sale_price", f"{price} - {cut}", money=True)
            d.ask(f"What is the sale price of the {en}?", f"the sale price of the {en}", f"现价是多少元？", new)
        else:
            off = d.given("rise_percent", pct)
            d.say(f"A {en} costs {d[price]}, and the price goes up by {d[off]}%.", f"一{mw}{zh}原价{d[price]}，后来涨价{d[off]}%。")
            rise = d.step("increase", f"{price} * {off} / 100", money=True)
            new = d.step("new_price", f"{price} + {rise}", money=True)
            d.ask(f"What is the new price?", f"the new price", f"涨价后是多少元？", new)
        return
    place, zplace = d.rng.choice(lexicon.PLACES)
    n = d.given("visitors", 100 * d.count(digits=max(1, d.size - 2)))
    share = d.given("percent_children", pct)
    d.say(f"The {place} had {d[n]} visitors, and {d[share]}% of them were children.",
          f"{zplace}来了{d[n]}位参观者，其中{d[share]}%是儿童。")
    kids = d.step("children", f"{n} * {share} / 100")
    adults = d.step("adults", f"{n} - {kids}")
    d.ask("How many visitors were adults?", "how many visitors were adults", "成人参观者有多少位？", adults)


# (English, Chinese) sentence of an amount in two units, per kind of unit: {p} {a} {big} {b} {small}
_MIXED = {"length": ("{p}'s rope is {a} {big} {b} {small} long.", "{p}的绳子长{a}{big}{b}{small}。"),
          "mass": ("{p}'s bag of flour weighs {a} {big} {b} {small}.", "{p}的一袋面粉重{a}{big}{b}{small}。"),
          "volume": ("{p}'s tank holds {a} {big} {b} {small} of water.", "{p}的水箱里有{a}{big}{b}{small}水。"),
          "time": ("{p} spends {a} {big} and {b} {small} on a project.", "{p}做一个项目用了{a}{big}{b}{small}。"),
          "count": ("{p} buys {a} dozen eggs and {b} more eggs.", "{p}买了{a}打鸡蛋，又买了{b}个鸡蛋。")}


def convert(d: Draft) -> None:
    """Units: an amount in two units, a length or mass cut into pieces, what is left after use."""
    kind, big, zbig, smalls, zsmall, factor, (bv, sv) = d.rng.choice(lexicon.UNITS)
    (p, _), = d.people(1)
    form = d.rng.choice((0, 2) if kind in ("time", "count") else (0, 1, 2))
    if form == 0:
        a, b = d.given(bv, d.small(1, 40)), d.given(sv, d.rng.randint(1, factor - 1))
        en, zh = _MIXED[kind]
        d.say(en.format(p=p, a=d[a], big=big, b=d[b], small=smalls), zh.format(p=p, a=d[a], big=zbig, b=d[b], small=zsmall))
        total = d.step(f"total_{sv}", f"{a} * {factor} + {b}")
        zq = "一共有多少个鸡蛋？" if kind == "count" else f"一共是多少{zsmall}？"
        d.ask(f"How many {smalls} is that in all?", f"how many {smalls} that is in all", zq, total)
    elif form == 1:
        piece = d.rng.choice([k for k in range(2, factor) if (factor * 12) % k == 0])
        a = d.given(bv, d.small(1, 12) * piece // math.gcd(piece, factor))
        b = d.given(f"{sv}_per_piece", piece)
        d.say(f"{p} has {d[a]} {big} of {'ribbon' if kind == 'length' else 'rice' if kind == 'mass' else 'juice'} "
              f"and splits it into portions of {d[b]} {smalls}.",
              f"{p}有{d[a]}{zbig}{'丝带' if kind == 'length' else '大米' if kind == 'mass' else '果汁'}，每份{d[b]}{zsmall}。")
        total = d.step(f"total_{sv}", f"{a} * {factor}")
        pieces = d.step("portions", f"{total} / {b}")
        d.ask("How many portions does that make?", "how many portions that makes", "一共能分成多少份？", pieces)
    else:
        a = d.given(bv, d.small(2, 30))
        b = d.given(f"used_{sv}", d.rng.randint(1, factor * int(d.values[a]) - 1))
        if kind == "count":
            d.say(f"{p} has {d[a]} dozen eggs and uses {d[b]} of them.", f"{p}有{d[a]}打鸡蛋，用掉了{d[b]}个。")
        else:
            d.say(f"{p} has {d[a]} {big} {'of time' if kind == 'time' else 'of supplies'} and uses {d[b]} {smalls}.",
                  f"{p}有{d[a]}{zbig}{'时间' if kind == 'time' else '材料'}，用掉了{d[b]}{zsmall}。")
        total = d.step(f"total_{sv}", f"{a} * {factor}")
        left = d.step(f"{sv}_left", f"{total} - {b}")
        d.ask(f"How many {smalls} are left?", f"how many {smalls} are left", f"还剩多少{zsmall}？", left)


def savings(d: Draft) -> None:
    """Money over time: saving up for a price, or income and spending."""
    (p, _), = d.people(1)
    en, ens, zh, mw, var, (lo, hi) = d.rng.choice(lexicon.GOODS)
    if d.rng.random() < 0.5:
        w = d.small(2, 52)
        s = max(1, round(d.rng.randint(lo, hi) * d.rng.choice((1, 1, 2)) / w))  # a price the good can have
        cost, saved = d.given(f"{var}_price", s * w, money=True), d.given("saved_per_week", s, money=True)
        d.say(f"{p} wants a {en} that costs {d[cost]} and saves {d[saved]} every week.",
              f"{p}想买一{mw}{zh}，价格是{d[cost]}，每周存{d[saved]}。")
        weeks = d.step("weeks", f"{cost} / {saved}")
        d.ask(f"How many weeks does {p} need to save?", f"how many weeks {p} needs to save", f"{p}需要存多少周？", weeks)
        return
    income, weeks = d.given("weekly_pay", d.price(20, 400), money=True), d.given("weeks", d.small(2, 12))
    d.say(f"{p} is paid {d[income]} a week for {d[weeks]} weeks.", f"{p}每周收入{d[income]}，共{d[weeks]}周。")
    earned = d.step("earned", f"{income} * {weeks}", money=True)
    spent = d.given(f"{var}_price", d.rng.randint(1, int(d.values[earned])), money=True)
    d.say(f"Then {p} buys a {en} for {d[spent]}.", f"然后{p}花{d[spent]}买了一{mw}{zh}。")
    left = d.step("money_left", f"{earned} - {spent}", money=True)
    d.ask(f"How much money does {p} have left?", f"how much money {p} has left", f"{p}还剩多少元？", left)


SCHEMAS: dict[str, Callable[[Draft], None]] = {
    "change": change, "combine": combine, "compare": compare, "groups": groups, "rate": rate,
    "shopping": shopping, "percent": percent, "convert": convert, "savings": savings,
}
