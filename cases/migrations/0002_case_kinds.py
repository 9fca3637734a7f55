"""The kinds every town starts with: the four reports (四报) and everyday problems from
the source practice. Town offices add their own in the admin."""

from django.db import migrations

KINDS = [
    ("illegal", "违法", "发现的违法行为", "四报", True),
    ("suspicious", "可疑", "可疑人员、可疑情况", "四报", True),
    ("hazard", "隐患", "安全隐患", "四报", True),
    ("trend", "动向", "不稳定动向、苗头性问题", "四报", True),
    ("field_dispute", "田埂边界纠纷", "田埂、地界、沟渠、宅基地纠纷", "矛盾纠纷", False),
    ("neighbour_dispute", "邻里纠纷", "邻里、家庭矛盾", "矛盾纠纷", False),
    ("drain", "沟渠堵塞", "排水沟、下水道堵塞", "环境卫生", False),
    ("bins", "垃圾桶破损", "垃圾桶破损、垃圾未清运", "环境卫生", False),
    ("road", "道路坑洼", "村道坑洼、破损", "基础设施", False),
    ("streetlight", "路灯故障", "路灯不亮、损坏", "基础设施", False),
    ("benefits", "社保医保代办", "社保、医保、低保等手续代办", "民生服务", False),
    ("elderly_help", "居家养老帮扶", "独居老人、困难群众帮扶", "民生服务", False),
    ("other", "其他", "其他问题", "其他", False),
]


def add(apps, schema_editor):
    CaseKind = apps.get_model("cases", "CaseKind")
    for code, name, description, group, four in KINDS:
        CaseKind.objects.get_or_create(
            town=None, code=code,
            defaults={"name": name, "description": description, "group": group, "is_four_reports": four},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
