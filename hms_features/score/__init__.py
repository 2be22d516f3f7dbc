"""Scoring a whole clinical recording: windows, features, probabilities, timeline, events, page.

``hms score RECORDING --model-dir M --out DIR`` (:func:`~hms_features.score.run.score_recording`)
reads a recording with :mod:`hms_features.data.recording`, cuts it into 50-s windows whose
labelled central 10 s tile it every ``step`` seconds, computes for each window the 10-minute
regional spectrogram from the recording itself and the same 1,491 features as ``hms predict``,
and scores them with the trained model. Modules:

- :mod:`~hms_features.score.windows`: where the windows are (and what a short recording gets);
- :mod:`~hms_features.score.extract`: the recording's spectrogram and the features of every
  window, in parallel worker processes;
- :mod:`~hms_features.score.timeline`: probabilities, burdens, quality and leading feature per
  window (``<stem>_timeline.parquet`` / ``.csv``);
- :mod:`~hms_features.score.events`: windows merged into BIDS events and viewer annotations;
- :mod:`~hms_features.score.page`: the self-contained HTML page;
- :mod:`~hms_features.score.run`: the whole command.
"""
