"""Pseudo-groups: clips of one hidden source (a voice) cluster together and are held out together."""

from __future__ import annotations

import numpy as np

from autospeech_model.grouping import PseudoGroups
from autospeech_model.split import validation_split


def voices(class_num: int = 3, voices_per_class: int = 4, clips_per_voice: int = 5, noise_seed: int = 0):
    """Embeddings of clips: each voice a tight blob far from the others (the same voices for every
    ``noise_seed``, new clips of them for each); labels one-hot."""
    centres = np.random.default_rng(0).normal(scale=10, size=(class_num * voices_per_class, 8))
    voice = np.repeat(np.arange(len(centres)), clips_per_voice)
    embeddings = centres[voice] + np.random.default_rng(noise_seed + 1).normal(scale=0.1, size=(len(voice), 8))
    labels = np.eye(class_num)[voice // voices_per_class]
    return embeddings, labels, voice


def test_clips_of_one_voice_share_a_pseudo_group_and_one_side_of_the_split():
    embeddings, labels, voice = voices()
    grouping = PseudoGroups(class_num=3, clusters_per_class=4, seed=0).fit(embeddings)
    groups = grouping.groups_
    for v in np.unique(voice):
        assert len(set(groups[voice == v])) == 1  # k-means with 12 clusters finds the 12 voices
    train, validation = validation_split(labels, 0.2, seed=0, groups=groups.tolist())
    assert len(validation) and set(voice[train]).isdisjoint(voice[validation])
    assert (labels[validation].sum(axis=0) > 0).all()  # every class is validated
    more, _, more_voice = voices(noise_seed=1)  # new clips of the same voices land in their voice's cluster
    np.testing.assert_array_equal(grouping.assign(more), [groups[voice == v][0] for v in more_voice])


def test_too_few_clips_for_clusters_gives_no_groups():
    embeddings, _, _ = voices(class_num=2, voices_per_class=1, clips_per_voice=1)
    assert PseudoGroups(class_num=2, clusters_per_class=4, seed=0).fit(embeddings) is None
