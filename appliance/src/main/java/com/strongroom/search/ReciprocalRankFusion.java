package com.strongroom.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.ScoreDoc;

/**
 * Merges ranked lists by reciprocal rank: score(d) = sum over lists of 1 / (k + rank(d)). Ranks,
 * not raw scores, are combined because cosine and BM25 scores live on unrelated scales.
 */
final class ReciprocalRankFusion {
    /** The constant from Cormack, Clarke and Büttcher (SIGIR 2009), used by most engines. */
    static final int K = 60;

    private ReciprocalRankFusion() {}

    /** Ties in fused score are broken by the order of the first ranking. */
    static List<ScoreDoc> fuse(int limit, List<ScoreDoc[]> rankings) {
        Map<Integer, Float> scores = new HashMap<>();
        for (ScoreDoc[] ranking : rankings) {
            for (int rank = 0; rank < ranking.length; rank++) {
                scores.merge(ranking[rank].doc, 1f / (K + rank + 1), Float::sum);
            }
        }
        Map<Integer, Integer> firstListRank = new HashMap<>();
        if (!rankings.isEmpty()) {
            ScoreDoc[] first = rankings.getFirst();
            for (int rank = 0; rank < first.length; rank++) {
                firstListRank.put(first[rank].doc, rank);
            }
        }
        List<ScoreDoc> fused = new ArrayList<>(scores.size());
        scores.forEach((doc, score) -> fused.add(new ScoreDoc(doc, score)));
        // ties go to the first list's order (the caller puts the semantic ranking first), then doc id
        fused.sort(Comparator.comparingDouble((ScoreDoc d) -> -d.score)
                .thenComparingInt(d -> firstListRank.getOrDefault(d.doc, Integer.MAX_VALUE))
                .thenComparingInt(d -> d.doc));
        return fused.subList(0, Math.min(limit, fused.size()));
    }
}
