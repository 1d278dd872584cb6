package com.strongroom.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;

/** The Lucene fields of a chunk, and the way back from a stored document to a {@link SearchHit}. */
final class ChunkSchema {
    static final String CHUNK_ID = "chunk_id";
    static final String DOCUMENT_ID = "document_id";
    static final String CONTENT = "content";
    static final String VECTOR = "vector";
    static final String START = "start";
    static final String END = "end";
    static final String METADATA = "metadata_json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private ChunkSchema() {}

    static Term documentTerm(String documentId) {
        return new Term(DOCUMENT_ID, documentId);
    }

    static Document toDocument(ChunkRecord chunk) {
        Document doc = new Document();
        doc.add(new StringField(CHUNK_ID, chunk.chunkId(), Field.Store.YES));
        doc.add(new StringField(DOCUMENT_ID, chunk.documentId(), Field.Store.YES));
        doc.add(new TextField(CONTENT, chunk.content(), Field.Store.YES));
        doc.add(new KnnFloatVectorField(VECTOR, chunk.vector(), VectorSimilarityFunction.COSINE));
        doc.add(new StoredField(START, chunk.start()));
        doc.add(new StoredField(END, chunk.end()));
        for (Map.Entry<String, Object> entry : chunk.metadata().entrySet()) {
            addMetadata(doc, entry.getKey(), entry.getValue());
        }
        try {
            doc.add(new StoredField(METADATA, JSON.writeValueAsString(chunk.metadata())));
        } catch (JsonProcessingException e) {
            throw new InvalidSearchException("invalid_metadata", "metadata", "is not serialisable as JSON");
        }
        return doc;
    }

    /** Top-level scalars and lists of scalars are filterable; nested objects are only stored. */
    private static void addMetadata(Document doc, String key, Object value) {
        if (!MetadataValues.KEY.matcher(key).matches()) {
            throw new InvalidSearchException(
                    "invalid_metadata", "metadata." + key, "keys are 1..64 of A-Z a-z 0-9 _ . -");
        }
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (!(element instanceof List<?>)) {
                    addScalar(doc, key, element);
                }
            }
        } else {
            addScalar(doc, key, value);
        }
    }

    private static void addScalar(Document doc, String key, Object value) {
        if (value == null) {
            return; // kept in the stored JSON, not filterable
        }
        switch (value) {
            case String s -> {
                doc.add(new StringField(MetadataValues.termField(key), s, Field.Store.NO));
                OptionalLong millis = MetadataValues.epochMillis(s);
                if (millis.isPresent()) {
                    doc.add(new LongPoint(MetadataValues.dateField(key), millis.getAsLong()));
                }
            }
            case Number n -> doc.add(new DoublePoint(MetadataValues.numberField(key), n.doubleValue()));
            case Boolean b -> doc.add(new StringField(MetadataValues.termField(key), b.toString(), Field.Store.NO));
            default -> {
                // nested objects are kept in the stored JSON but are not filterable
            }
        }
    }

    static SearchHit toHit(StoredFields stored, int docId, float score) throws java.io.IOException {
        Document doc = stored.document(docId);
        Map<String, Object> metadata;
        try {
            metadata = JSON.readValue(doc.get(METADATA), MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata of chunk " + doc.get(CHUNK_ID) + " is not JSON", e);
        }
        return new SearchHit(
                doc.get(CHUNK_ID),
                doc.get(DOCUMENT_ID),
                doc.get(CONTENT),
                doc.getField(START).numericValue().intValue(),
                doc.getField(END).numericValue().intValue(),
                score,
                metadata);
    }
}
