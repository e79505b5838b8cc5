"""Read-only queries: a task's candidate list names a group exactly, whatever the group's name holds (the LIKE
patterns over the list's JSON text)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine import instances
from engine.models import HumanTask
from engine.queries import lists


@pytest.mark.parametrize(("groups", "name", "offered"), [
    (["uk_lawyer"], "uk_lawyer", True),
    (["agent", "uk_lawyer"], "uk_lawyer", True),
    (["ukXlawyer"], "uk_lawyer", False),  # `_` is no wildcard
    (["uk_lawyer_2", "old_uk_lawyer"], "uk_lawyer", False),
    (['x", "uk_lawyer'], "uk_lawyer", False),  # a quote inside an element, as an expression might give
    (['uk_lawyer", "x'], "uk_lawyer", False),
    (["юристы УК"], "юристы УК", True),
    (["50%"], "50%", True),
    (["505"], "50%", False),  # `%` is no wildcard either
    (['a\\"b'], 'a\\"b', True),
    ([], "uk_lawyer", False),
])
def test_a_candidate_list_names_a_group_exactly(session, deployed, groups, name, offered):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    session.execute(update(HumanTask).where(HumanTask.instance_id == instance.id).values(candidate_groups=groups))
    session.commit()
    found = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance.id,
                                                       lists(HumanTask.candidate_groups, name))).all()
    assert bool(found) is offered
