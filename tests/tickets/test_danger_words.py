"""Danger in residents' own words, and the look-alikes that are not danger: table-driven."""

from __future__ import annotations

import pytest

from app.categories.danger import HazardKind, detect

GAS, FIRE, INJURY, OTHER = HazardKind.gas, HazardKind.fire, HazardKind.injury, HazardKind.other
WATER = HazardKind.water


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("厨房有煤气味", GAS),
        ("家里好大一股煤气味，咋个办", GAS),
        ("闻到燃气味了", GAS),
        ("楼道里天然气泄漏了", GAS),
        ("燃气", GAS),
        ("天然气好像漏了", GAS),
        ("燃气灶有燃气味", GAS),  # the stove is not the danger, the smell is
        ("热水器那里漏气，有股味道", GAS),
        ("I smell gas in the kitchen", GAS),
        ("Gas leak on the 3rd floor", GAS),
        ("my flat smells of gas", GAS),
        ("楼下着火了", FIRE),
        ("电视机冒烟了", FIRE),
        ("洗衣机冒烟了", FIRE),
        ("插座冒火花", FIRE),
        ("隔壁起火了快来人", FIRE),
        ("冒烟了，没有着火", FIRE),
        ("电线烧起来了", FIRE),
        ("There is a fire in building 3", FIRE),
        ("smoke coming out of the socket", FIRE),
        ("我妈摔倒起不来", INJURY),
        ("老人摔倒了起不来了", INJURY),
        ("婆婆在厕所摔倒了", INJURY),
        ("爷爷晕倒了", INJURY),
        ("老伴昏迷不醒", INJURY),
        ("他喘不过气", INJURY),
        ("胸口痛得很", INJURY),
        ("我爸触电了", INJURY),
        ("my mother fell over and can't get up", INJURY),
        ("my husband collapsed", INJURY),
        ("救命", OTHER),
        ("楼上水管爆了，水一直往我家流，到处都是水", WATER),
        ("厨房跑水了，地上全是水", WATER),
        ("卫生间水管破裂，家里淹了", WATER),
        ("救命啊，水管爆了", OTHER),
        ("我妈被困在电梯里了", OTHER),
        ("5栋电梯困人了", OTHER),
        ("my dad is stuck in the lift", OTHER),  # the emergency numbers, not only the valve
        ("a pipe burst and the kitchen is flooded", WATER),
        ("water everywhere, burst pipe under the sink", WATER),
    ],
)
def test_danger_is_found_with_its_kind(text: str, kind: HazardKind) -> None:
    hazard = detect(text)
    assert hazard is not None, text
    assert hazard.kind is kind


@pytest.mark.parametrize(
    "text",
    [
        "热水器打不着火",
        "燃气热水器打不着火了",
        "燃气灶点不着火",
        "煤气灶打不燃",
        "热水器点不着",
        "灶台不着火",
        "没有煤气味了，谢谢",
        "厨房没得煤气味",
        "电视不冒烟，就是没图像",
        "没冒烟，只是有点响",
        "没有着火，就是跳闸了",
        "燃气费在哪里交",
        "燃气表坏了",
        "问一下天然气开户",
        "灭火器过期了要换",
        "楼道防火门关不上",
        "楼道里有人抽烟",
        "楼道灯不亮，老人怕摔倒",
        "地滑容易摔倒，请来处理",
        "差点摔倒",
        "自行车轮胎漏气",
        "洗衣机坏了",
        "the gas stove won't light",
        "smoke alarm keeps beeping",
        "no smoke, the light just flickers",
        "there is no gas smell any more",
        "it's not an emergency",
        "I fell asleep and missed the call",
        "mind the fire door",
        "水龙头一直滴水",
        "电梯卡在三楼不动了，里面没人",
        "the lift is broken again",
        "卫生间有点漏水",
        "没有跑水，就是水压小",
        "the floodlight in the yard is out",
        "",
    ],
)
def test_look_alikes_are_not_danger(text: str) -> None:
    assert detect(text) is None
