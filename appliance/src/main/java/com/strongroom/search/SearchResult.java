package com.strongroom.search;

import java.util.List;

/** The hits of one query and how long it took, embedding included. */
public record SearchResult(List<SearchHit> hits, SearchMode mode, double queryTimeMs) {}
