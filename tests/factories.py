"""factory_boy factories for the hierarchy, users and memberships."""

import factory
from factory.django import DjangoModelFactory

from governance.choices import Role
from governance.models import Membership, User
from grids import geo
from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from grids.validators import id_number_check_digit


def make_id_number(n: int, born: str = "19800101", region: str = "330722") -> str:
    first17 = f"{region}{born}{n % 1000:03d}"
    return first17 + id_number_check_digit(first17)


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town

    name = factory.Sequence(lambda n: f"测试镇{n}")
    code = factory.Sequence(lambda n: f"T{n:04d}")
    county = "测试县"


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")
    code = factory.Sequence(lambda n: f"V{n:05d}")


class GridFactory(DjangoModelFactory):
    class Meta:
        model = Grid
        skip_postgeneration_save = True

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")
    code = factory.Sequence(lambda n: f"G{n:06d}")

    @factory.post_generation
    def derive(obj, create, extracted, **kwargs):
        obj.level = 2 if obj.parent_id else 1
        if create:
            obj.save(update_fields=["level"])


class BoxedGridFactory(GridFactory):
    """A grid with a rectangular boundary (and its bounding box columns filled)."""

    boundary = factory.LazyFunction(lambda: geo.rectangle(120.0, 30.0, 120.01, 30.01))

    @factory.post_generation
    def box(obj, create, extracted, **kwargs):
        obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat = geo.bounding_box(obj.boundary)
        if create:
            obj.save()


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    grid = factory.SubFactory(GridFactory)
    village = factory.SelfAttribute("grid.village")
    town = factory.SelfAttribute("grid.village.town")
    number = factory.Sequence(lambda n: f"H{n:05d}")
    head_name = "张三"
    address = "测试路1号"
    phone = "13800001234"


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    village = factory.SelfAttribute("household.village")
    town = factory.SelfAttribute("household.town")
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.Sequence(lambda n: make_id_number(n))
    phone = "13900005678"


class PartyBranchFactory(DjangoModelFactory):
    class Meta:
        model = PartyBranch

    village = factory.SubFactory(VillageFactory)
    town = factory.SelfAttribute("village.town")
    name = factory.Sequence(lambda n: f"党支部{n}")


class PartyMemberFactory(DjangoModelFactory):
    class Meta:
        model = PartyMember

    resident = factory.SubFactory(ResidentFactory)
    branch = factory.SubFactory(PartyBranchFactory, village=factory.SelfAttribute("..resident.village"))
    village = factory.SelfAttribute("resident.village")
    town = factory.SelfAttribute("resident.town")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-12345678")
    is_staff = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.TOWN_OFFICE


def member(role: str, **area) -> User:
    """A user with one membership of ``role`` in the given area (town=, village=, …)."""
    return MembershipFactory(role=role, **area).user
