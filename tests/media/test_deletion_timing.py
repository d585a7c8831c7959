"""Files of removed attachments go when the outermost transaction commits: not when a
savepoint (the audit log's, a view's) is released, never when the removal is rolled back."""
from __future__ import annotations

from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.services import remove
from tests.media.helpers import attach_photo


def _photo(factory):
    consultation, commune, user = factory.consultation("proposals"), factory.commune(), \
        factory.user()
    proposal = factory.proposal(consultation, commune, user)
    photo = attach_photo("proposal_id", proposal.id, user)
    db.session.commit()
    return photo


def test_a_released_savepoint_does_not_delete_the_files(app, factory):
    photo = _photo(factory)
    remove(photo)
    with db.session.begin_nested():
        pass
    assert len(storage.files_of(photo.token)) == 2
    db.session.commit()
    assert storage.files_of(photo.token) == []


def test_a_removal_inside_a_rolled_back_savepoint_keeps_the_files(app, factory):
    photo = _photo(factory)
    token = photo.token
    try:
        with db.session.begin_nested():
            remove(photo)
            raise ValueError("refused")
    except ValueError:
        pass
    db.session.commit()
    assert len(storage.files_of(token)) == 2


def test_a_rolled_back_removal_keeps_the_files(app, factory):
    photo = _photo(factory)
    remove(photo)
    db.session.rollback()
    db.session.commit()
    assert len(storage.files_of(photo.token)) == 2
