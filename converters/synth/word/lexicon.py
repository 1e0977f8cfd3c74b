"""What word problems are about: people, things, units, places — each in English and Chinese, with the
Python name a program gives it. Drawn from lists so that thousands of problems share no sentence."""
from __future__ import annotations

import random
from dataclasses import dataclass

NAMES_EN = ("Aisha", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam",
            "Maya", "Nikolai", "Olga", "Pablo", "Quinn", "Rosa", "Sanjay", "Tamsin", "Umar", "Vera", "Wen", "Ximena",
            "Yusuf", "Zoe", "Arturo", "Bianca", "Cyrus", "Delia", "Emeka", "Freya", "Gustavo", "Hana", "Ivo",
            "Juno", "Kwame", "Lucia", "Mateo", "Nadia", "Oscar", "Priya", "Rafael", "Selin", "Tobias", "Uma")
# Chinese names with the pinyin a program's variable takes
NAMES_ZH = {"小明": "xiaoming", "小红": "xiaohong", "李华": "lihua", "王芳": "wangfang", "张伟": "zhangwei",
            "刘洋": "liuyang", "陈静": "chenjing", "杨帆": "yangfan", "赵磊": "zhaolei", "黄婷": "huangting",
            "周杰": "zhoujie", "吴敏": "wumin", "徐斌": "xubin", "孙丽": "sunli", "马超": "machao", "朱琳": "zhulin",
            "胡军": "hujun", "郭蕾": "guolei", "林涛": "lintao", "何雪": "hexue", "高峰": "gaofeng", "罗佳": "luojia",
            "梁晨": "liangchen", "宋雨": "songyu", "郑凯": "zhengkai", "谢娜": "xiena", "韩梅": "hanmei",
            "唐亮": "tangliang", "冯雪": "fengxue", "邓云": "dengyun"}


@dataclass(frozen=True)
class Thing:
    """A countable thing: English singular and plural, Chinese noun and measure word, Python name."""
    en: str
    ens: str
    zh: str
    mw: str
    var: str


THINGS = tuple(Thing(*t) for t in (
    ("apple", "apples", "苹果", "个", "apples"), ("pencil", "pencils", "铅笔", "支", "pencils"),
    ("book", "books", "书", "本", "books"), ("stamp", "stamps", "邮票", "张", "stamps"),
    ("marble", "marbles", "玻璃球", "颗", "marbles"), ("sticker", "stickers", "贴纸", "张", "stickers"),
    ("cookie", "cookies", "饼干", "块", "cookies"), ("balloon", "balloons", "气球", "个", "balloons"),
    ("seashell", "seashells", "贝壳", "个", "shells"), ("card", "cards", "卡片", "张", "cards"),
    ("egg", "eggs", "鸡蛋", "个", "eggs"), ("flower", "flowers", "花", "朵", "flowers"),
    ("toy car", "toy cars", "玩具车", "辆", "toy_cars"), ("bottle", "bottles", "瓶子", "个", "bottles"),
    ("brick", "bricks", "砖", "块", "bricks"), ("ticket", "tickets", "票", "张", "tickets"),
    ("notebook", "notebooks", "笔记本", "本", "notebooks"), ("orange", "oranges", "橙子", "个", "oranges"),
    ("cupcake", "cupcakes", "纸杯蛋糕", "个", "cupcakes"), ("bead", "beads", "珠子", "颗", "beads"),
    ("seed", "seeds", "种子", "粒", "seeds"), ("coin", "coins", "硬币", "枚", "coins"),
    ("tomato", "tomatoes", "西红柿", "个", "tomatoes"), ("sheet of paper", "sheets of paper", "纸", "张", "sheets"),
))

# containers for equal groups: (English singular, plural, Chinese measure word, Chinese noun, Python name)
BOXES = (("box", "boxes", "盒", "盒子", "boxes"), ("bag", "bags", "袋", "袋子", "bags"),
         ("basket", "baskets", "篮", "篮子", "baskets"), ("crate", "crates", "箱", "箱子", "crates"),
         ("packet", "packets", "包", "包装袋", "packets"), ("jar", "jars", "罐", "罐子", "jars"),
         ("tray", "trays", "盘", "盘子", "trays"), ("bucket", "buckets", "桶", "桶", "buckets"))

# goods with a price: (English singular, plural, Chinese, measure word, Python name, typical price range)
GOODS = (("notebook", "notebooks", "笔记本", "本", "notebook", (1, 9)), ("pen", "pens", "钢笔", "支", "pen", (1, 15)),
         ("sandwich", "sandwiches", "三明治", "个", "sandwich", (3, 12)), ("T-shirt", "T-shirts", "T恤", "件", "shirt", (8, 40)),
         ("ticket", "tickets", "门票", "张", "ticket", (5, 80)), ("lamp", "lamps", "台灯", "盏", "lamp", (15, 90)),
         ("chair", "chairs", "椅子", "把", "chair", (20, 150)), ("bike", "bikes", "自行车", "辆", "bike", (90, 900)),
         ("laptop", "laptops", "笔记本电脑", "台", "laptop", (300, 2500)), ("melon", "melons", "西瓜", "个", "melon", (2, 9)),
         ("plant", "plants", "盆栽", "盆", "plant", (4, 30)), ("game", "games", "游戏", "套", "game", (10, 70)))

# rates: (English verb, its base form, "per" phrase, what is counted; Chinese verb, what, time unit;
#         the time unit in English; Python names for rate / time / total)
RATES = (("travels", "travel", "miles per hour", "miles", "行驶", "英里", "小时", "hours", ("speed", "hours", "distance")),
         ("cycles", "cycle", "kilometres per hour", "kilometres", "骑行", "千米", "小时", "hours", ("speed", "hours", "distance")),
         ("reads", "read", "pages a day", "pages", "读", "页", "天", "days", ("pages_per_day", "days", "pages")),
         ("types", "type", "words per minute", "words", "打", "个字", "分钟", "minutes", ("words_per_minute", "minutes", "words")),
         ("pumps", "pump", "litres per minute", "litres", "抽", "升水", "分钟", "minutes", ("litres_per_minute", "minutes", "litres")),
         ("packs", "pack", "boxes per hour", "boxes", "装", "箱", "小时", "hours", ("boxes_per_hour", "hours", "boxes")))

# unit conversions: (kind, big unit en, zh; small unit en, zh; factor; Python names)
UNITS = (("length", "metres", "米", "centimetres", "厘米", 100, ("metres", "centimetres")),
         ("mass", "kilograms", "千克", "grams", "克", 1000, ("kilograms", "grams")),
         ("time", "hours", "小时", "minutes", "分钟", 60, ("hours", "minutes")),
         ("time", "minutes", "分钟", "seconds", "秒", 60, ("minutes", "seconds")),
         ("length", "kilometres", "千米", "metres", "米", 1000, ("kilometres", "metres")),
         ("volume", "litres", "升", "millilitres", "毫升", 1000, ("litres", "millilitres")),
         ("count", "dozen", "打", "eggs", "个", 12, ("dozens", "eggs")),
         ("time", "weeks", "周", "days", "天", 7, ("weeks", "days")),
         ("length", "feet", "英尺", "inches", "英寸", 12, ("feet", "inches")))

PLACES = (("school", "学校"), ("library", "图书馆"), ("farm", "农场"), ("bakery", "面包店"), ("zoo", "动物园"),
          ("museum", "博物馆"), ("market", "市场"), ("park", "公园"), ("factory", "工厂"), ("garden", "花园"))


def people(rng: random.Random, k: int, chinese: bool) -> list[tuple[str, str]]:
    """k different (name, Python name) for one problem."""
    if chinese:
        return [(n, NAMES_ZH[n]) for n in rng.sample(sorted(NAMES_ZH), k)]
    return [(n, n.lower()) for n in rng.sample(NAMES_EN, k)]
