"""Follow-up cadence of seed 001, the one-week rule of seed 003, and list sizes per owner."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import DataValidationError, followup_load, followup_plan
from custvalue.followup import DEFAULT_CADENCE, DEFAULT_LIST_SIZES, INTENT_STAGES

AS_OF = pd.Timestamp("2024-03-31")  # the plan's observation_end


def accounts(stages: list[object], last: list[str | None], **extra: list) -> pd.DataFrame:
    n = len(stages)
    return pd.DataFrame(
        {
            "owner": extra.pop("owner", ["li"] * n),
            "stage": stages,
            "last_contact": pd.to_datetime(last),
            **extra,
        },
        index=pd.Index([f"A{i}" for i in range(n)], name="account"),
    )


# seed 001: stage 0 "15天最少联系一次"; stages 1-2 "7天左右联系一次"; stages 3-4
# "3天以内联系一次"; E "1个月联系至少2次" (every 15 days)
SEED_DAYS = {"0": 15, "1": 7, "2": 7, "3": 3, "4": 3, "E": 15}


def test_default_cadence_is_the_seed_policy() -> None:
    assert dict(DEFAULT_CADENCE) == {k: float(v) for k, v in SEED_DAYS.items()}
    assert dict(DEFAULT_LIST_SIZES) == {"0": 20, "1-2": 40, "3-4": 10, "E": None}


@pytest.mark.parametrize("stage", [0, 1, 2, 3, 4, "0", "1", "2", "3", "4", "E"])
def test_due_date_and_overdue_flag_per_stage(stage: object) -> None:
    days = SEED_DAYS[str(stage)]
    # contacted exactly `days` ago: due today, not overdue; one day earlier: 1 day overdue
    on_time = AS_OF - pd.Timedelta(days=days)
    late = on_time - pd.Timedelta(days=1)
    acc = accounts([stage, stage], [str(on_time.date()), str(late.date())])
    plan = followup_plan(acc, observation_end=AS_OF)
    assert plan["stage"].tolist() == [str(stage)] * 2
    assert plan["cadence_days"].tolist() == [days, days]
    assert plan["next_contact"].tolist() == [AS_OF, AS_OF - pd.Timedelta(days=1)]
    assert plan["overdue"].tolist() == [False, True]
    assert plan["days_overdue"].tolist() == [0, 1]
    assert plan["due_reason"].tolist() == ["cadence", "cadence"]


def test_plan_columns_and_categories() -> None:
    acc = accounts([0, 2, "E"], ["2024-03-30", "2024-03-01", "2024-03-20"])
    plan = followup_plan(acc, observation_end=AS_OF)
    assert list(plan.columns) == [
        "owner",
        "stage",
        "last_contact",
        "cadence_days",
        "next_contact",
        "due_reason",
        "overdue",
        "days_overdue",
        "band",
        "band_load",
        "owner_over_size",
    ]
    assert list(plan["stage"].cat.categories) == list(INTENT_STAGES)
    assert plan.index.equals(acc.index)
    assert plan.loc["A1", "days_overdue"] == 23  # due 2024-03-08, 23 days before the plan's date
    assert plan["band"].tolist() == ["0", "1-2", "E"]


def test_new_account_within_a_week_of_assignment() -> None:
    # seed 003: "业务员负责的新客户，应在一周内与客户进行沟通"
    acc = accounts(
        [0, 0, 3, 0],
        [None, "2024-03-01", "2024-03-25", "2024-03-28"],
        assigned=pd.to_datetime(["2024-03-20", "2024-03-22", "2024-03-20", "2024-03-20"]),
    )
    plan = followup_plan(acc, assigned_col="assigned", observation_end=AS_OF)
    # never contacted: due a week after assignment (2024-03-27), 4 days late
    assert plan.loc["A0", "next_contact"] == pd.Timestamp("2024-03-27")
    assert plan.loc["A0", "due_reason"] == "new_account"
    assert plan.loc["A0", "days_overdue"] == 4
    assert pd.isna(plan.loc["A0", "last_contact"])
    # contacted by the previous owner before assignment: the earlier of the two due dates
    # (cadence 2024-03-16 vs first contact 2024-03-29) -> cadence, overdue
    assert plan.loc["A1", "next_contact"] == pd.Timestamp("2024-03-16")
    assert plan.loc["A1", "due_reason"] == "cadence"
    # contacted after assignment: the cadence rule alone
    assert plan.loc["A2", "next_contact"] == pd.Timestamp("2024-03-28")
    assert plan.loc["A3", "next_contact"] == pd.Timestamp("2024-04-12")
    assert not plan.loc["A3", "overdue"]


def test_cadence_and_list_sizes_are_overridable() -> None:
    acc = accounts([1, 1, 1], ["2024-03-20", "2024-03-20", "2024-03-20"])
    plan = followup_plan(acc, observation_end=AS_OF, cadence={1: 15})
    assert (plan["cadence_days"] == 15).all() and not plan["overdue"].any()
    plan = followup_plan(acc, observation_end=AS_OF, list_sizes={"1-2": 2})
    assert plan["owner_over_size"].all() and (plan["band_load"] == 3).all()
    with pytest.raises(ValueError, match="choose one of"):
        followup_plan(acc, observation_end=AS_OF, cadence={"5": 3})
    with pytest.raises(ValueError, match="must be >"):
        followup_plan(acc, observation_end=AS_OF, cadence={"E": 0})
    with pytest.raises(ValueError, match="choose one of"):
        followup_load(acc, list_sizes={"0-1": 20})


def test_invalid_stages_list_the_valid_ones_and_the_accounts() -> None:
    acc = accounts([0, 5, "e", 2.0, None], ["2024-03-30"] * 5)
    with pytest.raises(DataValidationError) as err:
        followup_plan(acc, observation_end=AS_OF)
    text = str(err.value)
    assert "valid: 0, 1, 2, 3, 4, E" in text
    assert "'A1', 'A2', 'A3', 'A4'" in text and "'A0'" not in text
    assert err.value.failures[0].count == 4


def test_other_invalid_input_is_collected() -> None:
    acc = accounts([0, 1, 2], ["2024-04-02", None, "2024-03-01"], owner=["li", None, "li"])
    with pytest.raises(DataValidationError) as err:
        followup_plan(acc, observation_end=AS_OF)
    rules = " | ".join(f.rule for f in err.value.failures)
    assert "contacts after observation_end" in rules
    assert "missing last contact" in rules
    assert "missing owners" in rules
    strings = accounts([0], ["2024-03-01"]).assign(last_contact="01/03/2024")
    with pytest.raises(TypeError, match="must hold datetimes"):
        followup_plan(strings, observation_end=AS_OF)
    with pytest.raises(DataValidationError, match="missing column"):
        followup_plan(accounts([0], ["2024-03-01"]), stage_col="intent", observation_end=AS_OF)


def test_as_of_is_the_deprecated_name_of_observation_end() -> None:
    acc = accounts([0, 3, "E"], ["2024-03-01", "2024-03-28", "2024-03-20"])
    plan = followup_plan(acc, observation_end=AS_OF)
    with pytest.warns(FutureWarning, match=r"as_of=.*deprecated.*pass observation_end"):
        old = followup_plan(acc, as_of=AS_OF)
    pd.testing.assert_frame_equal(old, plan)
    with pytest.raises(TypeError, match="both observation_end and as_of"):
        followup_plan(acc, observation_end=AS_OF, as_of=AS_OF)


def test_constants_moved_from_lifecycle_still_import_with_a_warning() -> None:
    import custvalue.churn
    import custvalue.followup
    import custvalue.lifecycle

    for name, module in [
        ("DEFAULT_CADENCE", custvalue.followup),
        ("followup_plan", custvalue.followup),
        ("CHURN_STATUSES", custvalue.churn),
        ("churn_status", custvalue.churn),
    ]:
        with pytest.warns(
            FutureWarning, match=rf"{name} from custvalue.lifecycle.*{module.__name__}"
        ):
            assert getattr(custvalue.lifecycle, name) is getattr(module, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        custvalue.lifecycle.no_such_name  # noqa: B018


def test_account_column_and_time_zones() -> None:
    acc = accounts([3], ["2024-03-27"]).reset_index()
    plan = followup_plan(acc, account_col="account", observation_end=AS_OF)
    assert plan.index.tolist() == ["A0"] and plan["overdue"].tolist() == [True]
    aware = accounts([3], ["2024-03-27"])
    aware["last_contact"] = aware["last_contact"].dt.tz_localize("Asia/Shanghai")
    with pytest.raises(TypeError, match="both"):
        followup_plan(aware, observation_end=AS_OF)
    plan = followup_plan(aware, observation_end=AS_OF.tz_localize("Asia/Shanghai"))
    assert plan["next_contact"].iloc[0] == pd.Timestamp("2024-03-30", tz="Asia/Shanghai")
    assert plan["days_overdue"].iloc[0] == 1


def test_default_observation_end_is_today() -> None:
    acc = accounts(["E", 3], [str(pd.Timestamp.today().date()), "2020-01-01"])
    plan = followup_plan(acc)
    assert plan["overdue"].tolist() == [False, True]
    old = acc.iloc[[1]]
    aware = old.assign(last_contact=old["last_contact"].dt.tz_localize("Asia/Shanghai"))
    assert followup_plan(aware)["overdue"].iloc[0]


def test_followup_load_per_owner() -> None:
    stages = [0] * 21 + [1] * 20 + [2] * 21 + [3] * 10 + ["E"] * 50 + [4] * 3
    owners = ["li"] * 122 + ["wang"] * 3
    acc = accounts(stages, ["2024-03-30"] * len(stages), owner=owners)
    load = followup_load(acc)
    assert load.index.names == ["owner", "band"]
    assert len(load) == 2 * 4  # every band for every owner
    assert load.loc[("li", "0"), "n_accounts"] == 21
    assert load.loc[("li", "0"), "over"] and load.loc[("li", "0"), "excess"] == 1
    assert load.loc[("li", "1-2"), "n_accounts"] == 41
    assert load.loc[("li", "1-2"), "excess"] == 1
    assert not load.loc[("li", "3-4"), "over"]  # exactly 10 is within the size
    assert not load.loc[("li", "E"), "over"]  # no size for signed customers
    assert pd.isna(load.loc[("li", "E"), "suggested_size"])
    assert load.loc[("wang", "3-4"), "n_accounts"] == 3
    over = load[load["over"]].index.tolist()
    assert over == [("li", "0"), ("li", "1-2")]
    # the plan carries the same check per account
    plan = followup_plan(acc, observation_end=AS_OF)
    assert plan.loc[plan["owner"] == "li", "owner_over_size"].sum() == 21 + 41
    # a plan can be fed back in
    assert followup_load(plan).equals(load)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1, 2, 3, 4, "E"]), st.integers(0, 60), st.sampled_from("ab")),
        min_size=1,
        max_size=30,
    )
)
def test_overdue_matches_the_cadence(rows: list[tuple[object, int, str]]) -> None:
    stages = [r[0] for r in rows]
    last = [str((AS_OF - pd.Timedelta(days=r[1])).date()) for r in rows]
    acc = accounts(stages, last, owner=[r[2] for r in rows])
    plan = followup_plan(acc, observation_end=AS_OF)
    days_since = pd.Series([r[1] for r in rows], index=acc.index)
    cadence = pd.Series([SEED_DAYS[str(s)] for s in stages], index=acc.index)
    assert (plan["overdue"] == (days_since > cadence)).all()
    assert (plan["days_overdue"] == (days_since - cadence).clip(lower=0)).all()
    assert (plan["next_contact"] == acc["last_contact"] + pd.to_timedelta(cadence, "D")).all()
    # the plan's load column agrees with the per-owner table
    load = followup_load(acc)
    for acc_id, row in plan.iterrows():
        assert row["band_load"] == load.loc[(row["owner"], row["band"]), "n_accounts"], acc_id
