package com.strongroom.search;

import com.strongroom.index.EncryptedDirectory;
import java.io.IOException;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.lucene.index.FilterMergePolicy;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;

/**
 * Merges as its delegate does, except while a re-encryption is asked for: then a forced merge
 * rewrites, each on its own, the segments with a file under another data-key version than the
 * one asked for (a merge writes new files, and new files take the primary version). One segment
 * per merge keeps the segment structure, and the work, no larger than the re-encryption needs.
 */
final class ReencryptingMergePolicy extends FilterMergePolicy {
    private final EncryptedDirectory directory;
    private volatile int target; // 0: no re-encryption asked for

    ReencryptingMergePolicy(MergePolicy delegate, EncryptedDirectory directory) {
        super(delegate);
        this.directory = directory;
    }

    void target(int version) {
        this.target = version;
    }

    @Override
    public MergeSpecification findForcedMerges(
            SegmentInfos infos,
            int maxSegmentCount,
            Map<SegmentCommitInfo, Boolean> segmentsToMerge,
            MergeContext context)
            throws IOException {
        int version = target;
        if (version == 0) {
            return super.findForcedMerges(infos, maxSegmentCount, segmentsToMerge, context);
        }
        MergeSpecification spec = null;
        for (SegmentCommitInfo segment : infos) {
            if (!segmentsToMerge.containsKey(segment)
                    || context.getMergingSegments().contains(segment)
                    || !underOtherVersion(segment, version)) {
                continue;
            }
            if (spec == null) {
                spec = new MergeSpecification();
            }
            spec.add(new OneMerge(java.util.List.of(segment)));
        }
        return spec;
    }

    boolean underOtherVersion(SegmentCommitInfo segment, int version) throws IOException {
        for (String file : segment.files()) {
            OptionalInt v = directory.keyVersion(file);
            if (v.isPresent() && v.getAsInt() != version) {
                return true;
            }
        }
        return false;
    }
}
